/* Putting a woken thread on its waker's CPU. On this kind of VM waking an idle CPU costs
 * tens of microseconds, and a plain wakeup (the one PTRACE_CONT, PTRACE_SYSCALL and a
 * seccomp ADDFD give) sends the woken thread to the idle CPU while its waker goes to sleep
 * where it is. For the length of the wakeup the thread is held on the waker's CPU (its
 * affinity narrowed to that one CPU), then given its own mask back: a thread queued on a
 * CPU that its restored mask contains is not moved, so it runs there.
 *
 * The woken thread may run before rsc_release (it usually preempts its waker at once),
 * and what it does then sees the narrowed mask: sched_getaffinity shows one CPU, a
 * sched_setaffinity of its own is overridden, and a thread or process it creates keeps
 * one CPU for good. Use it only where the woken thread cannot reach user mode before
 * the release has happened (a ptrace resume that ends at the syscall-exit stop), or accept
 * that. Another thread that reads the held thread's mask in the window sees one CPU.
 *
 * Nothing is done when the waker's CPU is not in the thread's mask (it keeps away from
 * that CPU), when the mask is that CPU alone, or when it cannot be set (a thread outside
 * the caller's cpuset, or one gone); rsc_release is then a no-op. */
#ifndef RUNSC_PLACEMENT_H
#define RUNSC_PLACEMENT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE  /* cpu_set_t */
#endif
#include <sched.h>
#include <stdbool.h>
#include <sys/types.h>

struct rsc_placement {
    pid_t tid;
    bool active, self_held;
    cpu_set_t task_mask, self_mask;
};

/* Hold thread `tid` on the calling thread's CPU; with `hold_self` the calling thread too,
 * so that it is not moved away while the woken thread runs before it. */
void rsc_colocate(struct rsc_placement *p, pid_t tid, bool hold_self);

/* Give back the masks rsc_colocate narrowed. */
void rsc_release(const struct rsc_placement *p);

#endif
