/* The C fast path of the ptrace platform: a wait loop that takes tracee stops and
 * answers, at their seccomp stops, the table's fast_path calls (identity, uname,
 * credential and attribute changes, the gofer's lookups and checks: answers.c; opens,
 * whose fd reaches the caller through its process's courier once Python has made one:
 * ptrace_fast.c), and ends fork/clone events, new tasks' first stops and ordinary signal
 * deliveries as Python would. Every other stop is handed back to the Python platform
 * (sentry/platform/ptrace.py), either unconsumed (look with receive()) or as the wait
 * status it was (act on it with on_status()). */
#ifndef RUNSC_PTRACE_FAST_H
#define RUNSC_PTRACE_FAST_H

#include <stdbool.h>
#include <stdint.h>
#include "fastpath.h"

enum rsc_ptrace_result {
    RSC_PT_STATUS = 1,  /* `tid` and `status` hold a wait status taken for Python */
    RSC_PT_WAKE = 2,    /* a watched fd is readable, a signal arrived, or the timeout passed;
                           whatever waitable is left untaken has SIGCHLD pending */
    RSC_PT_LOOK = 3,    /* something waitable that is not a tracee's stop: receive() */
    RSC_PT_DRAIN = 4,   /* the tally or `seen` is nearly full: Python takes them, then calls
                           again */
};

#define RSC_MAX_COURIERS 256  /* a ring: Python writes the newest over the oldest */
#define RSC_MAX_SEEN 512
#define RSC_COURIER_NAME 6  /* an autobound abstract address: NUL and five hex digits */

struct rsc_ptrace_fast {
    int sigchld_fd;               /* the platform's signalfd for SIGCHLD */
    int tid;                      /* RSC_PT_STATUS: whose status */
    int status;
    struct rsc_gofer_link gofer;  /* fd -1: path calls go to Python */
    uint8_t kind[RSC_MAX_NR];     /* enum rsc_kind per syscall number */
    char utsname[RSC_UTSNAME_SIZE];
    struct rsc_tally answered;    /* Python takes the counts (sentry/platform/fastpath.py) */
    /* The tids whose stops the loop ended without Python (new tasks, signal deliveries),
     * with the tid that made each new one (else 0): Python keeps every traced tid. */
    int seen_count;
    int seen[RSC_MAX_SEEN][2];
    /* Opens: the fd reaches the caller through its process's courier, a socket Python
     * made (ptrace.py PtraceFdCourier), known here by its address; a process without one
     * known here goes to Python, which makes it. */
    uint64_t own_call_mark;       /* r9 of the calls the sentry injects */
    int couriers;                 /* how many were ever told; the ring holds the last ones */
    char courier_names[RSC_MAX_COURIERS][RSC_COURIER_NAME];
};

int rsc_ptrace_serve(struct rsc_ptrace_fast *f, const int *watch, int nwatch, int timeout_ms);

/* Make the calling (tracer) thread realtime (SCHED_RR, the lowest priority), so that the
 * loop's resumes can keep a tracee on its CPU without the tracee ever running with the
 * narrowed mask: 0, or -errno (the loop then resumes tracees as Python does). */
int rsc_ptrace_fast_start(void);

/* PTRACE_CONT (or PTRACE_SYSCALL, to the next syscall stop) with signal `sig`, as the
 * loop resumes: holding the tracee on this CPU for the wakeup when that is safe. 0 or
 * -errno. */
int rsc_ptrace_resume(int tid, bool to_syscall_stop, int sig);

#endif
