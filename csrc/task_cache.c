/* See task_cache.h. */
#define _GNU_SOURCE
#include "task_cache.h"
#include "native.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* ---- reading a task ------------------------------------------------------------ */

static const char *field(const char *status, const char *name)
{
    size_t len = strlen(name);
    for (const char *line = status; line && *line; line = strchr(line, '\n')) {
        if (*line == '\n')
            line++;
        if (strncmp(line, name, len) == 0 && line[len] == ':')
            return line + len + 1;
    }
    return NULL;
}

static void parse_ids(const char *text, uint32_t out[4])
{
    for (int i = 0; i < 4 && text; i++)
        out[i] = (uint32_t)strtoul(text, (char **)&text, 10);
}

static long last_number(const char *text)
{
    long value = -1;
    while (text && *text && *text != '\n') {
        char *end;
        long v = strtol(text, &end, 10);
        if (end == text)
            break;
        value = v;
        text = end;
    }
    return value;
}

static int read_task(int tid, struct task *t)
{
    char path[64], status[16384];
    snprintf(path, sizeof(path), "/proc/%d/status", tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = read(fd, status, sizeof(status) - 1);
    close(fd);
    if (n <= 0)
        return -ESRCH;
    if ((size_t)n == sizeof(status) - 1)
        return -E2BIG;  /* more than this file holds for MAX_GROUPS groups */
    status[n] = 0;
    const char *uid = field(status, "Uid"), *gid = field(status, "Gid");
    const char *groups = field(status, "Groups"), *umask = field(status, "Umask");
    const char *eff = field(status, "CapEff"), *prm = field(status, "CapPrm");
    const char *tgid = field(status, "NStgid"), *pid = field(status, "NSpid");
    const char *host_tgid = field(status, "Tgid");
    if (!uid || !gid || !groups || !umask || !eff || !prm || !tgid || !pid || !host_tgid)
        return -ESRCH;
    parse_ids(uid, t->uid);
    parse_ids(gid, t->gid);
    t->ngroups = 0;
    for (const char *p = groups; *p && *p != '\n';) {
        char *end;
        unsigned long g = strtoul(p, &end, 10);
        if (end == p)
            break;
        if (t->ngroups == MAX_GROUPS)
            return -E2BIG;
        t->groups[t->ngroups++] = (uint32_t)g;
        p = end;
        while (*p == ' ' || *p == '\t')
            p++;
    }
    t->umask = (uint32_t)strtoul(umask, NULL, 8);
    t->cap_eff = strtoull(eff, NULL, 16);
    t->cap_prm = strtoull(prm, NULL, 16);
    t->host_tgid = strtol(host_tgid, NULL, 10);
    t->box_tgid = last_number(tgid);
    t->box_tid = last_number(pid);
    return 0;
}

/* Credentials per thread, kept while the thread lives: reading /proc/TID/status costs
 * more than the rest of a call. A pidfd tells whether the thread is still the one read
 * (a dead thread's tid may be reused); calls that change credentials are intercepted to
 * forget the entry (RSC_CREDENTIALS_CHANGE), and so are execs (rsc_task_exec_allowed). */
#define CRED_SLOTS 1024

struct cred_slot {
    int tid;
    int pidfd;
    struct task task;
};

static struct cred_slot cred_cache[CRED_SLOTS];

static bool thread_alive(int pidfd)
{
    struct pollfd p = {.fd = pidfd, .events = POLLIN};
    return poll(&p, 1, 0) == 0;
}

static void forget_slot(struct cred_slot *slot)
{
    if (slot->pidfd > 0)
        close(slot->pidfd);
    slot->pidfd = 0;
    slot->tid = 0;
}

static void forget_all(void)
{
    for (int i = 0; i < CRED_SLOTS; i++)
        forget_slot(&cred_cache[i]);
}

/* An exec changes its caller's credentials once it is through (setuid and setgid bits,
 * file capabilities, the capabilities a non-root user loses), which the seccomp platform
 * does not see. A single-threaded caller makes no other call until then, so forgetting
 * its entry when the exec is let through is enough. A thread other than the leader that
 * execs takes the leader's tid once through, and until then the leader may still make
 * calls: that tid is then read afresh, and not kept, while the exec is pending (its
 * thread still alive, as its pidfd shows, and not back with a call of its own). */
#define PENDING_EXECS 16

struct pending_exec {
    int tgid, thread, pidfd;  /* pidfd 0: a free entry */
};

static struct pending_exec pending_execs[PENDING_EXECS];

static void end_pending(struct pending_exec *p)
{
    close(p->pidfd);
    p->pidfd = 0;
}

void rsc_task_exec_allowed(int tid)
{
    struct task t;
    long tgid = rsc_task_of(tid, &t) >= 0 ? t.host_tgid : -1;
    rsc_task_forget(tid);
    if (tgid <= 0) {
        forget_all();  /* whose process it is was not read: forget every thread */
        return;
    }
    if (tgid == tid)
        return;
    rsc_task_forget((int)tgid);
    struct pending_exec *free_entry = NULL;
    for (int i = 0; i < PENDING_EXECS && !free_entry; i++)
        if (!pending_execs[i].pidfd)
            free_entry = &pending_execs[i];
    int pidfd = rsc_thread_pidfd(tid);
    if (!free_entry || pidfd <= 0) {
        if (pidfd > 0)
            close(pidfd);
        forget_all();  /* cannot follow it: nothing stays that it could make wrong */
        return;
    }
    *free_entry = (struct pending_exec){.tgid = (int)tgid, .thread = tid, .pidfd = pidfd};
}

/* Whether an entry for `tid` may be kept now: not while an exec that will give a thread
 * this tid is pending. */
static bool keepable(int tid)
{
    bool keep = true;
    for (int i = 0; i < PENDING_EXECS; i++) {
        struct pending_exec *p = &pending_execs[i];
        if (!p->pidfd || (p->tgid != tid && p->thread != tid))
            continue;
        if (p->thread == tid || !thread_alive(p->pidfd))
            end_pending(p);  /* back with a call (it failed), or through */
        else
            keep = false;
    }
    return keep;
}

/* See task_cache.h. A cached answer needs no ID_VALID check on seccomp. */
int rsc_task_of(int tid, struct task *t)
{
    struct cred_slot *slot = &cred_cache[(unsigned)tid % CRED_SLOTS];
    if (!keepable(tid)) {
        forget_slot(slot);
        int r = read_task(tid, t);
        return r < 0 ? r : 0;
    }
    if (slot->tid == tid && slot->pidfd > 0 && thread_alive(slot->pidfd)) {
        *t = slot->task;
        return 1;
    }
    forget_slot(slot);
    int pidfd = rsc_thread_pidfd(tid);
    int r = read_task(tid, t);
    if (r < 0 || pidfd < 0 || !thread_alive(pidfd)) {
        if (pidfd >= 0)
            close(pidfd);
        return r < 0 ? r : 0;  /* read, but not cacheable */
    }
    /* pidfd opened before the read and alive after it: the read was of this thread */
    slot->tid = tid;
    slot->pidfd = pidfd;
    slot->task = *t;
    return 0;
}

void rsc_task_forget(int tid)
{
    forget_slot(&cred_cache[(unsigned)tid % CRED_SLOTS]);
}
