/* The ptrace floor: a bare C tracer that skips getppid and answers it, so the ptrace
 * platform's emulated call can be compared with the kernel round trip it is built on.
 *
 *   floor_ptrace ITERATIONS ROUNDS same|different
 *
 * The child stops itself under PTRACE_TRACEME, then installs a raw BPF filter
 * (getppid -> SECCOMP_RET_TRACE, all else ALLOW). The tracer sets PTRACE_O_TRACESECCOMP,
 * and at each seccomp stop skips the call (orig_rax = -1) and writes the answer into rax
 * (two PTRACE_POKEUSER), then PTRACE_CONT. Tracer and tracee are pinned with
 * sched_setaffinity to the same CPU or to two different CPUs: on a VM, waking an idle
 * CPU costs tens of microseconds, so placement decides the figure. The child checks each
 * answer and prints one line per round: nanoseconds per call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#define ANSWER 42

static void pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0)
        die("sched_setaffinity");
}

static void install_filter(void)
{
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof code / sizeof code[0], .filter = code};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        die("PR_SET_NO_NEW_PRIVS");
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
        die("seccomp(SET_MODE_FILTER)");
}

static void child(uint64_t iterations, int rounds, int cpu)
{
    pin(cpu);
    if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
        die("PTRACE_TRACEME");
    raise(SIGSTOP);
    install_filter();
    for (int r = -1; r < rounds; r++) { /* round -1 warms up */
        uint64_t t0 = now_ns();
        for (uint64_t i = 0; i < iterations; i++)
            if (syscall(SYS_getppid) != ANSWER) {
                fprintf(stderr, "getppid was not answered by the tracer\n");
                _exit(3);
            }
        uint64_t dt = now_ns() - t0;
        if (r >= 0) {
            printf("%.1f\n", (double)dt / (double)iterations);
            fflush(stdout);
        }
    }
    _exit(0);
}

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[3], "same") != 0 && strcmp(argv[3], "different") != 0)) {
        fprintf(stderr, "usage: %s ITERATIONS ROUNDS same|different\n", argv[0]);
        return 2;
    }
    uint64_t iterations = strtoull(argv[1], NULL, 10);
    int rounds = atoi(argv[2]);
    int child_cpu = strcmp(argv[3], "same") == 0 ? 0 : 1;
    alarm(120);
    pin(0);
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0)
        child(iterations, rounds, child_cpu);

    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
        die("waiting for the child's first stop");
    if (ptrace(PTRACE_SETOPTIONS, pid, NULL,
               (void *)(long)(PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL)) != 0)
        die("PTRACE_SETOPTIONS");
    if (ptrace(PTRACE_CONT, pid, NULL, NULL) != 0)
        die("PTRACE_CONT");
    for (;;) {
        if (waitpid(pid, &status, 0) != pid) {
            if (errno == EINTR)
                continue;
            die("waitpid");
        }
        if (WIFEXITED(status))
            return WEXITSTATUS(status) == 0 ? 0 : 1;
        if (WIFSIGNALED(status)) {
            fprintf(stderr, "floor child killed by signal %d\n", WTERMSIG(status));
            return 1;
        }
        int sig = 0;
        if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_SECCOMP << 8))) {
            if (ptrace(PTRACE_POKEUSER, pid, (void *)offsetof(struct user_regs_struct, orig_rax),
                       (void *)-1L) != 0 ||
                ptrace(PTRACE_POKEUSER, pid, (void *)offsetof(struct user_regs_struct, rax),
                       (void *)(long)ANSWER) != 0)
                die("PTRACE_POKEUSER");
        } else if (WIFSTOPPED(status)) {
            sig = WSTOPSIG(status); /* pass other signals on */
        }
        if (ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig) != 0)
            die("PTRACE_CONT");
    }
}
