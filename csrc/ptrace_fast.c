/* See ptrace_fast.h. Mirrors PtracePlatform (sentry/platform/ptrace.py) for the stops it
 * takes and its respond() for the answers it gives; the answers themselves are
 * answers.c's, shared with the seccomp loop (csrc/fastpath.c).
 *
 * Waiting follows ptrace.py's rules: waitid(P_ALL, WNOWAIT) peeks first and only a
 * ptrace stop (CLD_TRAPPED, which only a tracee reports) is taken with waitpid, so the
 * sentry's other child (the gofer) is never reaped here; exits and anything else are left
 * for receive().
 *
 * With the watcher running (watcher.h) and no deadline, the peek itself blocks until a
 * child is waitable, and the watcher's signal interrupts it when one of Python's fds is
 * readable: two syscalls of waiting per stop (the blocking peek, waitpid). SIGCHLD then
 * stays pending, which Python's poll of the signalfd only takes for a reason to look.
 * Otherwise (a deadline, or no watcher) the peek does not block and the loop polls the
 * SIGCHLD signalfd with Python's fds: SIGCHLD (blocked) is drained only when nothing is
 * waitable, and looked at again after the drain, so no stop goes unnoticed; when the loop
 * returns to Python after a drain it raises SIGCHLD again, since the stops behind the
 * drained signal may not all have been taken. That costs five syscalls more a stop (peek,
 * drain, peek, poll, then the peek that finds it): ptrace getuid 25 -> 20 us. */
#define _GNU_SOURCE
#include "ptrace_fast.h"
#include "native.h"
#include "placement.h"
#include "wait.h"
#include "watcher.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#define PT_CONT 7
#define PT_SYSCALL 24
#define PT_GETREGS 12
#define PT_SETREGS 13
#define PT_GET_SYSCALL_INFO 0x420E
#define PT_EVENT_SECCOMP 7
#define PT_SYSCALL_INFO_SECCOMP 3
#define WALL_FLAG 0x40000000        /* __WALL */
#define FAIRNESS_ANSWERS 64         /* look at the watched fds at least this often */

struct syscall_info {               /* struct ptrace_syscall_info, seccomp member */
    uint8_t op, reserved;
    uint16_t flags;
    uint32_t arch;
    uint64_t instruction_pointer, stack_pointer;
    uint64_t nr, args[6];
    uint32_t ret_data, padding;
};

static long pt(long request, int tid, void *addr, void *data)
{
    return syscall(SYS_ptrace, request, tid, addr, data);
}

/* PTRACE_GET_SYSCALL_INFO of stopped `tid` into *info; false if it is not stopped. */
static bool syscall_info_of(int tid, struct syscall_info *info)
{
    memset(info, 0, sizeof(*info));
    return pt(PT_GET_SYSCALL_INFO, tid, (void *)sizeof(*info), info) >= 0;
}

/* `tid` still sits in the seccomp stop `regs` were read at: another thread's execve may
 * have taken over its tid (ptrace.py's _in_stop). */
static bool in_stop(int tid, const struct user_regs_struct *regs)
{
    struct syscall_info info;
    if (!syscall_info_of(tid, &info))
        return false;
    return info.op == PT_SYSCALL_INFO_SECCOMP && info.instruction_pointer == regs->rip &&
           info.stack_pointer == regs->rsp && info.nr == regs->orig_rax;
}

/* Whether resumes hold the tracee on the tracer's CPU (rsc_ptrace_fast_start). */
static bool resume_here;

int rsc_ptrace_fast_start(void)
{
    struct sched_param lowest_realtime = {.sched_priority = 1};
    resume_here = sched_setscheduler(0, SCHED_RR, &lowest_realtime) == 0;
    return resume_here ? 0 : -errno;
}

/* The tracee resumed last. */
static int last_resumed;

/* Resume a stopped tracee. PTRACE_CONT wakes it with a plain wakeup, which the scheduler
 * sends to the other, idle CPU, and its next stop wakes the tracer across CPUs again
 * (54-64 us a call here, against 10 on one CPU). So it is held on this CPU for the
 * wakeup (placement.h) and given its own mask back before it can run: the tracer is a
 * realtime thread, which the woken tracee cannot preempt, so it is still queued here,
 * not running, when its mask is restored; it then runs here once the tracer waits.
 * Only a tracee stopping again and again is held: when stops of several alternate (make
 * -j2), each would be pulled onto this CPU, and two compilers shared one (12% slower).
 * A resume to the next syscall stop (Python's injected calls) is always held: the tracee
 * runs the injected call, then stops for the tracer again. */
int rsc_ptrace_resume(int tid, bool to_syscall_stop, int sig)
{
    long request = to_syscall_stop ? PT_SYSCALL : PT_CONT;
    bool hold = resume_here && (to_syscall_stop || tid == last_resumed);
    last_resumed = tid;
    struct rsc_placement place;
    if (hold)
        rsc_colocate(&place, tid, false);
    long r = pt(request, tid, NULL, (void *)(long)sig);
    int err = r < 0 ? -errno : 0;
    if (hold)
        rsc_release(&place);
    return err;
}

static void continue_tracee(int tid)
{
    rsc_ptrace_resume(tid, false, 0);
}

/* Skip the call with `result` (a value, or -errno) as ptrace.py's respond() does. */
static void skip_call(struct rsc_ptrace_fast *f, int tid, struct user_regs_struct *regs,
                      int64_t result)
{
    uint64_t nr = regs->orig_rax;
    regs->orig_rax = (uint64_t)-1;
    regs->rax = (uint64_t)result;
    if (pt(PT_SETREGS, tid, NULL, regs) == 0)
        continue_tracee(tid);
    rsc_tally_add(&f->answered, (uint32_t)nr, result < 0 && result > -4096 ? (int)-result : 0,
                  false);
}

/* ---- answering a seccomp stop (answers.c gives the answers) ------------------------ */

struct stop {
    struct rsc_ptrace_fast *f;
    struct user_regs_struct regs;
};

static bool still_pending(struct rsc_call *c)
{
    const struct stop *s = c->loop;
    return in_stop(c->tid, &s->regs);
}

static int reply(struct rsc_call *c, int64_t value, int error)
{
    struct stop *s = c->loop;
    if (still_pending(c))  /* else the caller is gone: its tid names another task's stop */
        skip_call(s->f, c->tid, &s->regs, error ? -(int64_t)error : value);
    return 0;
}

static int resume(struct rsc_call *c)
{
    struct stop *s = c->loop;
    if (still_pending(c)) {
        continue_tracee(c->tid);
        rsc_tally_add(&s->f->answered, c->nr, 0, true);
    }
    return 0;
}

static const struct rsc_call_ops stop_ops = {
    .reply = reply, .resume = resume, .still_pending = still_pending};

/* ---- opens: the fd reaches the caller through its courier ---------------------------
 *
 * As ptrace.py's PtraceFdCourier delivers it, for a caller whose process holds a courier
 * that Python made (at COURIER_FD, its address in f->courier_names): the gofer's fd is
 * sent into a copy of the courier, and the stopped call becomes recvmsg(courier,
 * MSG_DONTWAIT), whose result at the syscall-exit stop is the received fd's number. A
 * single injected call needs no signal blocking: the task does not return to user mode
 * between the seccomp stop and the exit stop. Without a known courier the open goes to
 * Python before anything is opened (a FIFO or a device must not be opened twice). */

#define COURIER_FD 1000
#define COURIER_MARK "runsc-py"
#define COURIER_MARK_LEN 8
#define RED_ZONE 128
#define SCRATCH 128
#define PT_EVENT_EXEC 4
#define PT_EVENT_STOP 128
#define PT_INTERRUPT 0x4207
#define PT_SYSCALL_INFO_EXIT 2
#define SYSCALL_STOP (SIGTRAP | 0x80)
#define TOOK_STATUS 3  /* answer(): the caller's end was taken for Python (f->tid/status) */

/* A copy of the courier of `tid`'s process, or -1 when it holds none made by the sentry. */
static int courier_of(const struct rsc_ptrace_fast *f, int tid)
{
    int pidfd = rsc_thread_pidfd(tid);
    if (pidfd < 0)
        return -1;
    int copy = rsc_pidfd_getfd(pidfd, COURIER_FD);
    close(pidfd);
    if (copy < 0)
        return -1;
    struct sockaddr_un addr;
    socklen_t len = sizeof(addr);
    if (getsockname(copy, (struct sockaddr *)&addr, &len) == 0 &&
        len == offsetof(struct sockaddr_un, sun_path) + RSC_COURIER_NAME)
        /* newest first: the processes at work now made theirs last */
        for (int n = 0; n < f->couriers && n < RSC_MAX_COURIERS; n++) {
            int i = (int)((unsigned)(f->couriers - 1 - n) % RSC_MAX_COURIERS);
            if (memcmp(f->courier_names[i], addr.sun_path, RSC_COURIER_NAME) == 0)
                return copy;
        }
    close(copy);
    return -1;
}

/* Queue `fd` as the courier's only datagram (stale ones, and their fds, dropped first). */
static bool post(int courier, int fd)
{
    for (;;) {
        char data[64];
        union { struct cmsghdr align; char buf[CMSG_SPACE(4 * sizeof(int))]; } control;
        struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                            .msg_controllen = sizeof(control.buf)};
        if (recvmsg(courier, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) < 0)
            break;
        for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
            if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
                for (size_t i = 0; i < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
                    int old;
                    memcpy(&old, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
                    close(old);
                }
    }
    struct iovec iov = {.iov_base = (void *)COURIER_MARK, .iov_len = COURIER_MARK_LEN};
    ssize_t sent;
    do
        sent = rsc_send_with_fd(courier, &iov, 1, fd, MSG_DONTWAIT);
    while (sent == -EINTR);
    return sent == COURIER_MARK_LEN;
}

/* Run the stopped call as recvmsg(COURIER_FD) in the caller and wait for its exit stop:
 * its result (the received fd's number, or -errno); *ran unset when the call never
 * started (the caller still sits in its seccomp stop). -ESRCH: the caller is gone, and
 * *took is set when its end (or another thread's exec taking its tid) was waited for
 * here, the status then in f->tid/status. *group_stop when its group stopped meanwhile
 * (it is stopped again after). */
static int64_t receive_in_caller(struct stop *s, int tid, bool cloexec, bool *ran,
                                 bool *took, bool *group_stop)
{
    const struct user_regs_struct *regs = &s->regs;
    uint64_t base = (regs->rsp - RED_ZONE - SCRATCH) & ~(uint64_t)15;
    uint64_t iov = base + 64, control = base + 80, data = base + 104;
    struct {
        struct msghdr mh;
        char pad[64 - sizeof(struct msghdr)];
        uint64_t iov_base, iov_len;
        char control[24], data[8];
    } scratch;
    memset(&scratch, 0, sizeof(scratch));
    scratch.mh.msg_iov = (struct iovec *)(uintptr_t)iov;
    scratch.mh.msg_iovlen = 1;
    scratch.mh.msg_control = (void *)(uintptr_t)control;
    scratch.mh.msg_controllen = 24;
    scratch.iov_base = data;
    scratch.iov_len = 8;
    if (rsc_vm_write(tid, base, &scratch, sizeof(scratch)) != (int64_t)sizeof(scratch))
        return -EFAULT;
    struct user_regs_struct call = *regs;
    call.orig_rax = SYS_recvmsg;
    call.rdi = COURIER_FD;
    call.rsi = base;
    call.rdx = MSG_DONTWAIT | (cloexec ? MSG_CMSG_CLOEXEC : 0);
    call.r9 = s->f->own_call_mark;  /* lets it past the workload's own profile */
    if (pt(PT_SETREGS, tid, NULL, &call) < 0)
        return -ESRCH;
    *ran = true;
    if (rsc_ptrace_resume(tid, true, 0) < 0)
        return -ESRCH;
    for (;;) {
        int status;
        if (waitpid(tid, &status, WALL_FLAG) < 0) {
            if (errno == EINTR)
                continue;
            return -ESRCH;
        }
        int sig = WSTOPSIG(status), event = status >> 16;
        if (!WIFSTOPPED(status) || event == PT_EVENT_EXEC) {
            s->f->tid = tid;
            s->f->status = status;
            *took = true;
            return -ESRCH;
        }
        if (sig == SYSCALL_STOP && !event) {
            struct syscall_info info;
            if (!syscall_info_of(tid, &info))
                return -ESRCH;
            if (info.op == PT_SYSCALL_INFO_EXIT) {
                int64_t got = (int64_t)info.nr;  /* exit.rval */
                if (got < 0)
                    return got;
                int cm[5];  /* cmsg_len (8 bytes), level, type, fd */
                if (got != COURIER_MARK_LEN ||
                    rsc_vm_read(tid, control, cm, 20) != 20 || cm[2] != SOL_SOCKET ||
                    cm[3] != SCM_RIGHTS)
                    return -EIO;  /* the workload sent itself something: not ours */
                return cm[4];
            }
        } else if (event == PT_EVENT_STOP && (sig == SIGSTOP || sig == SIGTSTP ||
                                              sig == SIGTTIN || sig == SIGTTOU)) {
            *group_stop = true;
        }
        /* an entry stop, the injected call's own seccomp stop (--coverage=full), a group
         * stop: on to the exit stop, a signal passed on as it came */
        int deliver = !event && sig != SYSCALL_STOP ? sig : 0;
        if (rsc_ptrace_resume(tid, true, deliver) < 0)
            return -ESRCH;
    }
}

static int answer_open(struct stop *s, struct rsc_call *c, int kind)
{
    struct rsc_ptrace_fast *f = s->f;
    int courier = courier_of(f, c->tid);
    if (courier < 0)
        return rsc_answer_call(&f->gofer, f->utsname, c, kind);  /* a missing name only */
    int fd;
    uint32_t flags;
    int opened = rsc_open_by_gofer(&f->gofer, c, kind, &fd, &flags);
    if (opened != RSC_OPENED) {
        close(courier);
        return opened;
    }
    bool posted = post(courier, fd);
    close(fd);
    close(courier);
    if (!posted)
        return reply(c, 0, EIO);
    if (!still_pending(c))
        return 0;  /* gone: its tid names another task's stop */
    bool ran = false, took = false, group_stop = false;
    int64_t result = receive_in_caller(s, c->tid, flags & O_CLOEXEC, &ran, &took,
                                       &group_stop);
    if (took)
        return TOOK_STATUS;
    if (result == -ESRCH)
        return 0;  /* killed meanwhile: its exit follows */
    if (!ran)
        return reply(c, 0, (int)-result);  /* no room below its stack: skipped, failed */
    struct user_regs_struct done = s->regs;  /* the call's own, answered */
    done.rax = (uint64_t)result;
    if (pt(PT_SETREGS, c->tid, NULL, &done) == 0) {
        continue_tracee(c->tid);
        if (group_stop)  /* it stopped with its group meanwhile: back into the stop */
            pt(PT_INTERRUPT, c->tid, NULL, NULL);
    }
    rsc_tally_add(&f->answered, c->nr, result < 0 ? (int)-result : 0, false);
    return 0;
}

/* Answer `tid`'s seccomp stop; RSC_FALLBACK hands it to Python with its status. */
static int answer(struct rsc_ptrace_fast *f, int tid)
{
    struct stop s = {.f = f};
    if (pt(PT_GETREGS, tid, NULL, &s.regs) < 0)
        return 0;  /* killed meanwhile: its exit follows (as ptrace.py's _syscall_event) */
    uint64_t nr = s.regs.orig_rax;
    if (nr >= RSC_MAX_NR || f->kind[nr] == RSC_PYTHON)
        return RSC_FALLBACK;
    struct rsc_call c = {
        .tid = tid, .nr = (uint32_t)nr, .ops = &stop_ops, .loop = &s,
        .args = {s.regs.rdi, s.regs.rsi, s.regs.rdx, s.regs.r10, s.regs.r8, s.regs.r9}};
    if (f->kind[nr] == RSC_OPEN || f->kind[nr] == RSC_OPENAT)
        return answer_open(&s, &c, f->kind[nr]);
    return rsc_answer_call(&f->gofer, f->utsname, &c, f->kind[nr]);
}

/* ---- stops that need no judgment --------------------------------------------------
 *
 * Ended here as ptrace.py's on_status ends them: a fork, vfork or clone event (the parent
 * goes on; the new task is traced already), a new task's first stop (PTRACE_EVENT_STOP
 * with SIGTRAP: it goes on), and the delivery of a signal that means the same to the
 * box's PID 1 as to any task (re-injected as it came; faults and SIGSTOP stay Python's,
 * see PtracePlatform._deliver). Python learns of each such tid from `seen`. */

#define PT_GETEVENTMSG 0x4201
#define PT_EVENT_FORK 1
#define PT_EVENT_VFORK 2
#define PT_EVENT_CLONE 3
#define SEEN_FULL (RSC_MAX_SEEN - 2)  /* room for a fork's two tids */

static void see(struct rsc_ptrace_fast *f, int tid, int parent)
{
    f->seen[f->seen_count][0] = tid;
    f->seen[f->seen_count][1] = parent;
    f->seen_count++;
}

static bool delivered_alike_to_init(int sig)
{
    switch (sig) {
    case SIGSEGV: case SIGBUS: case SIGILL: case SIGFPE: case SIGTRAP: case SIGSYS:
    case SIGSTOP:
        return false;
    default:
        return true;
    }
}

/* End stopped `tid` (wait status `status`) as above: 0, or RSC_FALLBACK for Python. */
static int pass_stop(struct rsc_ptrace_fast *f, int tid, int status)
{
    int sig = WSTOPSIG(status), event = status >> 16;
    if (event == PT_EVENT_FORK || event == PT_EVENT_VFORK || event == PT_EVENT_CLONE) {
        unsigned long child;
        if (pt(PT_GETEVENTMSG, tid, NULL, &child) < 0)
            return RSC_FALLBACK;
        see(f, (int)child, tid);
        see(f, tid, 0);
        rsc_ptrace_resume(tid, false, 0);
        return 0;
    }
    bool first_stop = event == PT_EVENT_STOP && sig == SIGTRAP;
    bool delivery = !event && sig != SYSCALL_STOP && delivered_alike_to_init(sig);
    if (!first_stop && !delivery)
        return RSC_FALLBACK;
    see(f, tid, 0);
    rsc_ptrace_resume(tid, false, first_stop ? 0 : sig);
    return 0;
}

static void drain_sigchld(int fd)
{
    char buf[4 * 128];
    while (read(fd, buf, sizeof(buf)) > 0)
        ;
}

static void raise_sigchld(void)
{
    syscall(SYS_tgkill, getpid(), gettid(), SIGCHLD);
}

static bool watched_readable(const int *watch, int nwatch)
{
    short none;
    return nwatch && rsc_wait(-1, watch, nwatch, 0, &none) == RSC_WAIT_WATCHED;
}

/* Take stops and answer them until one is Python's (see the head of this file). */
static int serve_stops(struct rsc_ptrace_fast *f, bool blocking, const int *watch, int nwatch,
                       int timeout_ms, bool *drained)
{
    unsigned answered = 0;
    for (;;) {
        if (f->answered.used >= RSC_TALLY_FULL || f->seen_count >= SEEN_FULL)
            return RSC_PT_DRAIN;
        if (blocking ? rsc_watcher_take()
                     : ++answered % FAIRNESS_ANSWERS == 0 && watched_readable(watch, nwatch))
            return RSC_PT_WAKE;
        siginfo_t info;
        memset(&info, 0, sizeof(info));
        int peek = WEXITED | WSTOPPED | WALL_FLAG | WNOWAIT | (blocking ? 0 : WNOHANG);
        if (waitid(P_ALL, 0, &info, peek) < 0) {
            if (errno != EINTR)
                return RSC_PT_LOOK;  /* ECHILD: receive() says so */
            if (blocking)
                return RSC_PT_WAKE;  /* the watcher's signal, or one for Python */
            continue;
        }
        if (info.si_pid == 0) {  /* not blocking: nothing waitable */
            if (!*drained) {  /* drain, then look once more: a stop after this wakes us */
                drain_sigchld(f->sigchld_fd);
                *drained = true;
                continue;
            }
            short events = 0;
            int woken = rsc_wait(f->sigchld_fd, watch, nwatch, timeout_ms, &events);
            if (woken < 0)
                return woken;
            if (woken != RSC_WAIT_OWN)
                return RSC_PT_WAKE;  /* nothing waitable is left untaken */
            *drained = false;  /* SIGCHLD is pending again */
            continue;
        }
        if (info.si_code != CLD_TRAPPED)
            return RSC_PT_LOOK;  /* an exit (a tracee's, or the gofer's) */
        int status = 0;
        pid_t tid = waitpid(info.si_pid, &status, WNOHANG | WALL_FLAG);
        if (tid <= 0)
            return RSC_PT_LOOK;
        int event = status >> 16;
        int outcome = !WIFSTOPPED(status)        ? RSC_FALLBACK
                      : event == PT_EVENT_SECCOMP ? answer(f, tid)
                                                  : pass_stop(f, tid, status);
        if (outcome == TOOK_STATUS)
            return RSC_PT_STATUS;
        if (outcome != RSC_FALLBACK)
            continue;
        f->tid = tid;
        f->status = status;
        return RSC_PT_STATUS;
    }
}

int rsc_ptrace_serve(struct rsc_ptrace_fast *f, const int *watch, int nwatch, int timeout_ms)
{
    if (nwatch > RSC_MAX_WATCH)
        return -EINVAL;
    bool blocking = timeout_ms < 0 && rsc_watcher_enter(watch, nwatch);
    bool drained = false;  /* SIGCHLD consumed whose stops may not all be taken yet */
    int result = serve_stops(f, blocking, watch, nwatch, timeout_ms, &drained);
    if (blocking)
        rsc_watcher_leave();
    if (drained)
        raise_sigchld();
    return result;
}
