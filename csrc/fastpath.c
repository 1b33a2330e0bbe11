/* See fastpath.h. The answers themselves are answers.c's, shared with the ptrace loop;
 * this file receives seccomp notifications, answers them through SECCOMP_IOCTL_NOTIF_SEND,
 * and installs the fds of opens (ADDFD), which only the seccomp platform can do in C. */
#define _GNU_SOURCE
#include "fastpath.h"
#include "native.h"
#include "placement.h"
#include "wait.h"
#include "watcher.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define AUDIT_ARCH_X86_64_VALUE 0xC000003Eu
#define AT_FDCWD_VALUE (-100)

/* ---- answering a notification ------------------------------------------------------ */

struct notification {
    struct rsc_fastpath *f;
    const struct seccomp_notif *req;
    bool queued;  /* it waited while the loop served another: its caller may be elsewhere */
};

/* SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP also wakes an answered caller on the sentry's CPU.
 * That is what makes a call cheap when the caller woke the sentry there; a call that
 * waited while the loop served another (two processes calling from two CPUs: make -j2)
 * was made elsewhere, and pulling its caller over put both processes on one CPU while
 * the other idled (two cc1 on one CPU in 2 of 3 samples). Such an answer is sent with
 * the flag off: its caller wakes where it was (make -j2 of 16 files 3-7% faster, 1.54 ->
 * 1.44 s over 10 interleaved pairs; a tight loop of one thread is not affected). */
static int send_response(const struct notification *n, struct seccomp_notif_resp *resp)
{
    int fd = n->f->notify_fd;
    if (n->queued)
        ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, 0UL);
    int r = ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp);
    int err = errno;
    if (n->queued)
        rsc_notif_set_sync_wakeup(fd);
    errno = err;
    return r;
}

static int reply(struct rsc_call *c, int64_t value, int error)
{
    const struct notification *n = c->loop;
    struct seccomp_notif_resp resp = {.id = n->req->id, .val = error ? -1 : value,
                                      .error = error ? -error : 0};
    if (send_response(n, &resp) < 0 && errno != ENOENT)
        return -errno;
    rsc_tally_add(&n->f->answered, c->nr, error, false);
    return 0;
}

static int resume(struct rsc_call *c)
{
    const struct notification *n = c->loop;
    struct seccomp_notif_resp resp = {.id = n->req->id,
                                      .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE};
    if (send_response(n, &resp) < 0 && errno != ENOENT)
        return -errno;
    rsc_tally_add(&n->f->answered, c->nr, 0, true);
    return 0;
}

static bool still_pending(struct rsc_call *c)
{
    const struct notification *n = c->loop;
    uint64_t id = n->req->id;
    return ioctl(n->f->notify_fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

static const struct rsc_call_ops notification_ops = {
    .reply = reply, .resume = resume, .still_pending = still_pending};

/* ADDFD wakes the caller with a plain wakeup and then waits for it to install the fd, so
 * both wake-ups would go to the other, idle CPU (tens of microseconds each on this VM,
 * where SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP keeps a plain answer on one CPU). For the
 * length of the ioctl the caller thread and the sentry are both held on the sentry's CPU
 * (placement.h). Without SECCOMP_ADDFD_FLAG_SEND the caller only installs the fd and
 * waits on for the answer, so it runs none of its own code while held: its mask is back
 * before the answer (a separate SEND, woken on this CPU) lets it return. */
static int answer_open(struct rsc_fastpath *f, struct rsc_call *c, int kind)
{
    const struct notification *n = c->loop;
    int fd;
    uint32_t flags;
    int opened = rsc_open_by_gofer(&f->gofer, c, kind, &fd, &flags);
    if (opened != RSC_OPENED)
        return opened;
    struct seccomp_notif_addfd addfd = {
        .id = n->req->id, .srcfd = (uint32_t)fd,
        .newfd_flags = (flags & O_CLOEXEC) ? O_CLOEXEC : 0};
    struct rsc_placement place;
    if (n->queued)  /* held here, it would stay here: see send_response */
        place.active = false;
    else
        rsc_colocate(&place, c->tid, true);
    int installed;
    do  /* interrupted (a signal, the watcher's), the fd was not installed: again */
        installed = ioctl(f->notify_fd, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);
    while (installed < 0 && errno == EINTR);
    int err = installed < 0 ? errno : 0;
    rsc_release(&place);
    close(fd);
    if (err == ENOENT)
        return 0;  /* the caller is gone */
    return err ? reply(c, 0, err) : reply(c, installed, 0);
}

static int answer(struct rsc_fastpath *f, const struct seccomp_notif *req, int kind,
                  bool queued)
{
    struct notification n = {.f = f, .req = req, .queued = queued};
    struct rsc_call c = {.tid = (int)req->pid, .nr = (uint32_t)req->data.nr,
                         .ops = &notification_ops, .loop = &n};
    memcpy(c.args, req->data.args, sizeof(c.args));
    if (kind == RSC_OPEN || kind == RSC_OPENAT)
        return answer_open(f, &c, kind);
    return rsc_answer_call(&f->gofer, f->utsname, &c, kind);
}

/* ---- the loop ----------------------------------------------------------------------- */

#define QUEUED_RECV_NS 1500

/* The thread whose call the loop took last. A call of that same thread found waiting is
 * not treated as queued: a thread calling in a tight loop from the other CPU is to be
 * pulled over (the answer then wakes it here, and its next call finds the sentry). */
static int last_caller;

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* No notification left to take: the caller died first, or no task uses the filter. */
static bool filter_unused(const struct rsc_fastpath *f)
{
    short events = 0;
    return rsc_wait(f->notify_fd, NULL, 0, 0, &events) == RSC_WAIT_OWN &&
           (events & (POLLHUP | POLLERR));
}

/* Answer calls until one needs Python. `blocking`: the watcher watches Python's fds and
 * the loop blocks in RECV (see watcher.h); else they are polled with the notify fd. */
static int serve_calls(struct rsc_fastpath *f, bool blocking, const int *watch, int nwatch,
                       int timeout_ms, struct seccomp_notif *req)
{
    for (;;) {
        if (f->answered.used >= RSC_TALLY_FULL)
            return RSC_DRAIN;
        if (blocking) {
            if (rsc_watcher_take())
                return RSC_WAKE;
        } else {
            short events = 0;
            int woken = rsc_wait(f->notify_fd, watch, nwatch, timeout_ms, &events);
            if (woken < 0)
                return woken;
            if (woken != RSC_WAIT_OWN)
                return RSC_WAKE;
            if (!(events & POLLIN))
                return (events & (POLLHUP | POLLERR)) ? RSC_HUP : RSC_WAKE;
        }
        memset(req, 0, sizeof(*req));
        uint64_t asked = now_ns();
        int got = ioctl(f->notify_fd, SECCOMP_IOCTL_NOTIF_RECV, req);
        /* a RECV that slept took a round trip through its caller (2 us or more); one
         * that found the call waiting returns at once: the call of another thread, made
         * while the loop served this one (see send_response). Polled (a deadline), it
         * never sleeps, and nothing is known. */
        bool queued = blocking && now_ns() - asked < QUEUED_RECV_NS &&
                      (int)req->pid != last_caller;
        if (got < 0) {
            if (errno == ENOENT && !(blocking && filter_unused(f)))
                continue;  /* the caller died before we read it */
            if (errno == ENOENT)
                return RSC_HUP;
            return errno == EINTR ? RSC_WAKE : -errno;  /* a signal, or the watcher's */
        }
        last_caller = (int)req->pid;
        uint32_t nr = (uint32_t)req->data.nr;
        if (req->data.arch != AUDIT_ARCH_X86_64_VALUE || nr >= RSC_MAX_NR ||
            f->kind[nr] == RSC_PYTHON)
            return RSC_EVENT;
        int r = answer(f, req, f->kind[nr], queued);
        if (r == RSC_FALLBACK)
            return RSC_EVENT;
        if (r < 0)
            return r;
    }
}

int rsc_serve(struct rsc_fastpath *f, const int *watch, int nwatch, int timeout_ms,
              struct seccomp_notif *req)
{
    if (nwatch > RSC_MAX_WATCH)
        return -EINVAL;
    /* a deadline (Python ending the box) is kept by poll's timeout */
    bool blocking = timeout_ms < 0 && rsc_watcher_enter(watch, nwatch);
    int r = serve_calls(f, blocking, watch, nwatch, timeout_ms, req);
    if (blocking)
        rsc_watcher_leave();
    return r;
}

int rsc_fastpath_start(void)
{
    return rsc_watcher_start();
}

void rsc_fastpath_stop(void)
{
    rsc_watcher_stop();
}
