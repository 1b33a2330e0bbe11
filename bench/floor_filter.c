/* The passthrough floor: a 1-byte read of /dev/zero made by a process under the smallest
 * seccomp filter there is (one instruction: allow). Any filter at all sends every
 * syscall through the kernel's seccomp entry, so this is the least a sandbox built on
 * seccomp can add to a passthrough call; the sandbox's own filter is compared with it.
 *
 *   floor_filter ITERATIONS ROUNDS
 *
 * Prints one line per round (after one warm-up round): nanoseconds per read.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s ITERATIONS ROUNDS\n", argv[0]);
        return 2;
    }
    long iterations = atol(argv[1]), rounds = atol(argv[2]);
    int fd = open("/dev/zero", O_RDONLY);
    struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    struct sock_fprog program = {.len = 1, .filter = &allow};
    if (fd < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) {
        perror("floor_filter setup");
        return 1;
    }
    char byte;
    for (long round = 0; round <= rounds; round++) {
        uint64_t start = now_ns();
        for (long i = 0; i < iterations; i++)
            if (read(fd, &byte, 1) != 1)
                return 1;
        if (round > 0)  /* round 0 warms up */
            printf("%.1f\n", (double)(now_ns() - start) / (double)iterations);
    }
    return 0;
}
