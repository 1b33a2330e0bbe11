/* A thread that watches Python's fds (the workload's and the gofer's pidfds, the signal
 * wake-up socket) so that the seccomp loop can block in SECCOMP_IOCTL_NOTIF_RECV itself,
 * as the bare floor does, instead of polling the notify fd along with them before every
 * RECV: that poll was one more syscall per intercepted call (about 0.5 us here, some 6%
 * of an emulated call). The ptrace loop blocks in waitid alike (csrc/ptrace_fast.c).
 *
 * When a watched fd is readable the watcher sets `fired` and, while the loop is inside
 * rsc_serve, sends the loop's thread RSC_WAKE_SIGNAL (a no-op handler without SA_RESTART):
 * the blocked RECV (or waitid) fails with EINTR and the loop returns to Python. A signal that lands
 * just before the loop blocks is lost, so the watcher sends it again every millisecond
 * until the loop has taken `fired`. The loop sets `in_loop` before it looks at `fired`,
 * the watcher `fired` before it looks at `in_loop` (sequentially consistent): either the
 * loop sees `fired` on entry, or the watcher sees the loop inside and signals it.
 *
 * One watcher per process (a sentry serves one sandbox). It blocks every signal, so
 * signals meant for the sentry (SIGINT, SIGTERM, ...) interrupt the loop's RECV too. It
 * must be started before the sentry confines itself (clone3 is refused then) and after
 * the sentry has left the box's pid namespace (the kernel refuses new threads while
 * pid_ns_for_children is another namespace). */
#ifndef RUNSC_WATCHER_H
#define RUNSC_WATCHER_H

#include <stdbool.h>

#include "wait.h"

#define RSC_WAKE_SIGNAL (SIGRTMIN + 3)

/* Start the watcher; the calling thread is the one it interrupts. 0 or -errno. */
int rsc_watcher_start(void);

/* Stop and join it (the fast path's end); safe when it never started. */
void rsc_watcher_stop(void);

/* The loop's side. rsc_watcher_enter sets the fds to watch (at most RSC_MAX_WATCH; the
 * watcher picks up a changed set) and returns false when no watcher runs (the caller
 * then polls those fds itself). rsc_watcher_take returns and clears `fired`. */
bool rsc_watcher_enter(const int *watch, int nwatch);
bool rsc_watcher_take(void);
void rsc_watcher_leave(void);

#endif
