/* The C fast path of the seccomp platform: a loop that receives notifications and
 * answers the hot, simple calls (identity, uname, and the lookups that dominate builds:
 * stat, access, readlink, open through the gofer) without entering Python. Any other
 * call, or any case needing judgment, is handed back to the Python sentry unanswered.
 * Which calls are answered here is set by Python from the syscall table. */
#ifndef RUNSC_FASTPATH_H
#define RUNSC_FASTPATH_H

#include <stdint.h>
#include <linux/seccomp.h>

#include "answers.h"
#include "tally.h"

#define RSC_MAX_NR 512

/* rsc_serve results */
enum rsc_serve_result {
    RSC_EVENT = 1,   /* `req` holds a call for Python */
    RSC_WAKE = 2,    /* a watched fd is readable, a signal arrived, or the timeout passed */
    RSC_HUP = 3,     /* no task uses the filter any more */
    RSC_DRAIN = 4,   /* the tally is nearly full: Python takes it, then calls again */
};

struct rsc_fastpath {
    int notify_fd;
    struct rsc_gofer_link gofer;
    uint8_t kind[RSC_MAX_NR];     /* enum rsc_kind per syscall number */
    char utsname[RSC_UTSNAME_SIZE];  /* as uname answers it */
    struct rsc_tally answered;    /* Python takes the counts (sentry/platform/fastpath.py) */
};

/* Answer calls until one needs Python (RSC_EVENT, `req` holds it) or something else
 * does (the other results). Without a deadline (`timeout_ms` -1) and with the watcher
 * started, it blocks in RECV and the watcher interrupts it (watcher.h); else it polls the
 * notify fd with `watch`. */
int rsc_serve(struct rsc_fastpath *f, const int *watch, int nwatch, int timeout_ms,
              struct seccomp_notif *req);

/* The watcher thread of rsc_serve and rsc_ptrace_serve, started once per sentry (by its
 * loop's thread) and stopped at its end: 0 or -errno (the loops then poll). */
int rsc_fastpath_start(void);
void rsc_fastpath_stop(void);

#endif
