/* The gofer-hop floor: a bare C request/reply over a SOCK_SEQPACKET socketpair between two
 * processes, as the sentry asks the gofer for each path call. A path call through the
 * gofer costs at least the seccomp floor plus this hop, so this row says how much of a
 * stat's cost is the hop itself and how much is the work on either side.
 *
 *   floor_hop ITERATIONS ROUNDS same|different
 *
 * The requester sends 64 bytes (about a STAT request) and waits for 160 (a reply carrying
 * a struct stat); the server answers each at once. Both are pinned with sched_setaffinity
 * to one CPU or to two: on a VM, waking a task on an idle CPU costs tens of microseconds.
 * Prints one line per round: nanoseconds per round trip.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

static void pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0)
        die("sched_setaffinity");
}

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[3], "same") != 0 && strcmp(argv[3], "different") != 0)) {
        fprintf(stderr, "usage: %s ITERATIONS ROUNDS same|different\n", argv[0]);
        return 2;
    }
    uint64_t iterations = strtoull(argv[1], NULL, 10);
    int rounds = atoi(argv[2]);
    int server_cpu = strcmp(argv[3], "same") == 0 ? 0 : 1;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        die("socketpair");
    alarm(120);
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) { /* the "gofer": answer until the requester closes its end */
        char req[256], reply[160];
        memset(reply, 7, sizeof reply);
        close(sv[0]);
        pin(server_cpu);
        for (;;) {
            ssize_t n = recv(sv[1], req, sizeof req, 0);
            if (n <= 0)
                _exit(n == 0 ? 0 : 3);
            if (send(sv[1], reply, sizeof reply, 0) != (ssize_t)sizeof reply)
                _exit(3);
        }
    }
    close(sv[1]);
    pin(0);
    char req[64], reply[256];
    memset(req, 1, sizeof req);
    for (int r = -1; r < rounds; r++) { /* round -1 warms up */
        uint64_t t0 = now_ns();
        for (uint64_t i = 0; i < iterations; i++) {
            if (send(sv[0], req, sizeof req, 0) != (ssize_t)sizeof req)
                die("send");
            if (recv(sv[0], reply, sizeof reply, 0) != 160)
                die("recv");
        }
        uint64_t dt = now_ns() - t0;
        if (r >= 0) {
            printf("%.1f\n", (double)dt / (double)iterations);
            fflush(stdout);
        }
    }
    close(sv[0]);
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return 1;
    return 0;
}
