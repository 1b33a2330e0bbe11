/* The C fast path of the ptrace platform: a wait loop that takes tracee stops and
 * answers, at their seccomp stops, the table's fast_path calls that need neither fd
 * delivery nor the gofer (identity, uname, credential changes). Every other stop is handed
 * back to the Python platform (sentry/platform/ptrace.py), either unconsumed (look with
 * receive()) or as the wait status it was (act on it with on_status()). */
#ifndef RUNSC_PTRACE_FAST_H
#define RUNSC_PTRACE_FAST_H

#include <stdint.h>
#include "fastpath.h"

enum rsc_ptrace_result {
    RSC_PT_STATUS = 1,  /* `tid` and `status` hold a wait status taken for Python */
    RSC_PT_WAKE = 2,    /* a watched fd is readable, a signal arrived, or the timeout passed;
                           nothing waitable was left untaken since SIGCHLD was drained */
    RSC_PT_LOOK = 3,    /* something waitable that is not a tracee's stop: receive() */
    RSC_PT_DRAIN = 4,   /* the answer log is full: Python records it, then calls again */
};

struct rsc_ptrace_fast {
    int sigchld_fd;               /* the platform's signalfd for SIGCHLD */
    int tid;                      /* RSC_PT_STATUS: whose status */
    int status;
    uint8_t kind[RSC_MAX_NR];     /* enum rsc_kind per syscall number */
    char utsname[390];
    uint32_t log_len;
    struct rsc_answer log[RSC_LOG_SIZE];
};

/* Resume stopped tracee `tid` with ptrace `request` and signal `sig`; 0 or -errno.
 *
 * PTRACE_SYSCALL without a signal is woken on the caller's CPU (placement.h), where a
 * plain wakeup would send it to an idle CPU and the tracer's wait for its next stop would
 * cost that CPU's wake-up (tens of microseconds here) twice. It is safe there only: the
 * tracee runs nothing of its own before that stop (the sentry's injected calls: at most
 * the rewound `syscall` instruction, its signals blocked), so nothing in the box sees or
 * inherits the narrowed mask. A resume into the workload's own code (PTRACE_CONT after an
 * answer) is left plain: the tracee preempts the tracer at once and would run, clone and
 * fork with one CPU until the tracer gives its mask back. */
int rsc_ptrace_resume(int tid, int request, int sig);

int rsc_ptrace_serve(struct rsc_ptrace_fast *f, const int *watch, int nwatch, int timeout_ms);

#endif
