/* A task's credentials as /proc/TID/status gives them, cached per thread. Shared by the
 * two C loops (through answers.c) and by the Python handlers
 * (sentry/handlers/task_info.py). */
#ifndef RUNSC_TASK_CACHE_H
#define RUNSC_TASK_CACHE_H

#include <stdint.h>

#define MAX_GROUPS 256

struct task {
    uint32_t uid[4], gid[4];
    uint32_t groups[MAX_GROUPS];
    int ngroups;
    uint64_t cap_eff, cap_prm;
    uint32_t umask;
    long host_tgid;           /* its process in the sentry's pid namespace */
    long box_tgid, box_tid;   /* its ids in the box's */
};

/* `tid`'s credentials: 1 when the answer came from the cache (the thread is alive, so
 * its tid is still its own), 0 after a fresh read, -errno (-E2BIG: more than MAX_GROUPS
 * supplementary groups, which the box cannot have: setgroups refuses more). */
int rsc_task_of(int tid, struct task *t);
/* Forget one thread's entry (its credentials are about to change). */
void rsc_task_forget(int tid);
/* `tid` is let through an execve or execveat, which may change its process's
 * credentials (setuid bits, file capabilities): forget what it would make wrong. */
void rsc_task_exec_allowed(int tid);

#endif
