/* See placement.h. */
#include "placement.h"

void rsc_colocate(struct rsc_placement *p, pid_t tid, bool hold_self)
{
    p->tid = tid;
    p->active = p->self_held = false;
    int cpu = sched_getcpu();
    if (cpu < 0 || cpu >= CPU_SETSIZE ||
        sched_getaffinity(tid, sizeof(p->task_mask), &p->task_mask) < 0)
        return;
    if (!CPU_ISSET(cpu, &p->task_mask) || CPU_COUNT(&p->task_mask) == 1)
        return;  /* it keeps away from this CPU, or it is held here already */
    if (hold_self && sched_getaffinity(0, sizeof(p->self_mask), &p->self_mask) < 0)
        return;
    cpu_set_t here;
    CPU_ZERO(&here);
    CPU_SET(cpu, &here);
    if (sched_setaffinity(tid, sizeof(here), &here) < 0)
        return;  /* outside the caller's cpuset, or the thread is gone */
    p->active = true;
    if (hold_self)
        p->self_held = sched_setaffinity(0, sizeof(here), &here) == 0;
}

void rsc_release(const struct rsc_placement *p)
{
    if (!p->active)
        return;
    sched_setaffinity(p->tid, sizeof(p->task_mask), &p->task_mask);
    if (p->self_held)
        sched_setaffinity(0, sizeof(p->self_mask), &p->self_mask);
}
