/* Putting a woken thread on its waker's CPU. On this kind of VM waking an idle CPU costs
 * tens of microseconds, and a plain wakeup (the one a seccomp ADDFD, PTRACE_CONT or
 * PTRACE_SYSCALL gives) sends the woken thread to the idle CPU while its waker goes to
 * sleep where it is. For the length of the wakeup the thread is held on the waker's CPU
 * (its affinity narrowed to that one CPU), then given its own mask back: a thread queued
 * on a CPU that its restored mask contains is not moved, so it runs there.
 *
 * The woken thread may run before rsc_release (it usually preempts its waker at once).
 * Use this only where it then runs none of its own code: whatever it did would see the
 * narrowed mask (sched_getaffinity shows one CPU, a sched_setaffinity of its own is
 * overridden, a thread or process it creates keeps one CPU for good). The seccomp loop's
 * ADDFD without SECCOMP_ADDFD_FLAG_SEND is such a place: the caller installs the fd in
 * the kernel and waits on for its answer, sent after rsc_release (tests/test_placement.py
 * checks that no trace is left). Another thread that reads the held thread's mask in the
 * window sees one CPU.
 *
 * The ptrace loop's resumes (csrc/ptrace_fast.c) are the other such place, because its
 * tracer is a realtime thread: the tracee woken by PTRACE_CONT cannot preempt it, so its
 * mask is back before it runs (getuid 64-78 -> 20-26 us). With an ordinary tracer the
 * woken tracee preempted it at once and ran with one CPU until its next stop (threads it
 * made kept it; tests/test_placement.py failed 2 runs in 3); making the tracee
 * SCHED_BATCH for the window (a batch thread does not preempt its waker) cost 24 us a
 * call and still leaked under load. The injected calls of Python's opens (PTRACE_SYSCALL,
 * the tracee runs none of its own code before its next stop) are held too: with an
 * ordinary tracer that made open+close slower (419 -> 480 us), with the realtime one
 * faster (345-385 -> 187-200 us).
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
