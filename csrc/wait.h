/* How both C loops wait: for their own fd (the seccomp notify fd, the ptrace loop's
 * SIGCHLD signalfd) and for the fds Python watches (the workload's and the gofer's
 * pidfds, the signal wake-up socket), whichever is readable first. */
#ifndef RUNSC_WAIT_H
#define RUNSC_WAIT_H

#include <errno.h>
#include <poll.h>

#define RSC_MAX_WATCH 8

enum rsc_wait_result {
    RSC_WAIT_OWN = 1,      /* `own` has events (in *own_events) */
    RSC_WAIT_WATCHED = 2,  /* a watched fd is readable: Python has something to do */
    RSC_WAIT_QUIET = 3,    /* the deadline passed, or a signal came */
};

/* Wait up to `timeout_ms` (-1: no deadline); `own` -1 looks at the watched fds only. The
 * caller keeps `nwatch` <= RSC_MAX_WATCH. Returns an rsc_wait_result or -errno. */
static inline int rsc_wait(int own, const int *watch, int nwatch, int timeout_ms,
                           short *own_events)
{
    struct pollfd fds[1 + RSC_MAX_WATCH];
    fds[0] = (struct pollfd){.fd = own, .events = POLLIN};
    for (int i = 0; i < nwatch; i++)
        fds[i + 1] = (struct pollfd){.fd = watch[i], .events = POLLIN};
    int ready = poll(fds, (nfds_t)nwatch + 1, timeout_ms);
    if (ready < 0)
        return errno == EINTR ? RSC_WAIT_QUIET : -errno;
    if (ready == 0)
        return RSC_WAIT_QUIET;
    for (int i = 0; i < nwatch; i++)
        if (fds[i + 1].revents)
            return RSC_WAIT_WATCHED;
    *own_events = fds[0].revents;
    return RSC_WAIT_OWN;
}

#endif
