/* See watcher.h. */
#define _GNU_SOURCE
#include "watcher.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#define RESIGNAL_MS 1

static struct {
    bool running;
    pthread_t thread;
    pid_t loop_tid;
    int control;  /* eventfd: the watch set changed, or the watcher is to stop */
    pthread_mutex_t lock;
    int watch[RSC_MAX_WATCH], nwatch;  /* under lock */
    bool stopping;                     /* under lock */
    int loop_watch[RSC_MAX_WATCH], loop_nwatch;  /* the loop's copy of the last set */
    atomic_bool fired, in_loop;
} w = {.lock = PTHREAD_MUTEX_INITIALIZER, .control = -1};

static void interrupt_only(int sig)
{
    (void)sig;  /* its only effect: the loop's blocked RECV fails with EINTR */
}

/* Drain the control eventfd; true when the watcher is to stop. */
static bool control_says_stop(void)
{
    uint64_t count;
    if (read(w.control, &count, sizeof(count)) < 0 && errno != EAGAIN)
        return true;
    pthread_mutex_lock(&w.lock);
    bool stop = w.stopping;
    pthread_mutex_unlock(&w.lock);
    return stop;
}

static void *watch(void *unused)
{
    (void)unused;
    for (;;) {
        struct pollfd fds[1 + RSC_MAX_WATCH];
        fds[0] = (struct pollfd){.fd = w.control, .events = POLLIN};
        bool fired = atomic_load(&w.fired);
        int n = 0;
        if (!fired) {  /* once fired, only the loop's taking it matters until then */
            pthread_mutex_lock(&w.lock);
            for (; n < w.nwatch; n++)
                fds[n + 1] = (struct pollfd){.fd = w.watch[n], .events = POLLIN};
            pthread_mutex_unlock(&w.lock);
        }
        int ready = poll(fds, (nfds_t)n + 1, fired ? RESIGNAL_MS : -1);
        if (ready < 0 && errno != EINTR)
            return NULL;
        if (ready > 0 && fds[0].revents) {
            if (control_says_stop())
                return NULL;
            continue;
        }
        if (!fired) {
            for (int i = 0; i < n && !fired; i++)
                fired = fds[i + 1].revents != 0;
            if (!fired)
                continue;
            atomic_store(&w.fired, true);
        }
        /* first or again (a signal lost just before the loop blocked): until it takes it */
        if (atomic_load(&w.fired) && atomic_load(&w.in_loop))
            syscall(SYS_tgkill, getpid(), w.loop_tid, RSC_WAKE_SIGNAL);
    }
}

int rsc_watcher_start(void)
{
    if (w.running)
        return 0;
    struct sigaction action = {.sa_handler = interrupt_only};  /* no SA_RESTART */
    sigemptyset(&action.sa_mask);
    if (sigaction(RSC_WAKE_SIGNAL, &action, NULL) < 0)
        return -errno;
    w.control = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (w.control < 0)
        return -errno;
    w.loop_tid = (pid_t)syscall(SYS_gettid);
    w.stopping = false;
    w.nwatch = w.loop_nwatch = 0;
    atomic_store(&w.fired, false);
    atomic_store(&w.in_loop, false);
    /* the thread starts with every signal blocked: they are the loop thread's to take */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int err = pthread_create(&w.thread, NULL, watch, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err) {
        close(w.control);
        w.control = -1;
        return -err;
    }
    w.running = true;
    return 0;
}

void rsc_watcher_stop(void)
{
    if (!w.running)
        return;
    pthread_mutex_lock(&w.lock);
    w.stopping = true;
    pthread_mutex_unlock(&w.lock);
    uint64_t one = 1;
    if (write(w.control, &one, sizeof(one)) == sizeof(one))
        pthread_join(w.thread, NULL);
    close(w.control);
    w.control = -1;
    w.running = false;
}

bool rsc_watcher_enter(const int *watch_fds, int nwatch)
{
    if (!w.running)
        return false;
    if (nwatch != w.loop_nwatch ||
        memcmp(watch_fds, w.loop_watch, sizeof(int) * (size_t)nwatch) != 0) {
        memcpy(w.loop_watch, watch_fds, sizeof(int) * (size_t)nwatch);
        w.loop_nwatch = nwatch;
        pthread_mutex_lock(&w.lock);
        memcpy(w.watch, watch_fds, sizeof(int) * (size_t)nwatch);
        w.nwatch = nwatch;
        pthread_mutex_unlock(&w.lock);
        uint64_t one = 1;
        if (write(w.control, &one, sizeof(one)) != sizeof(one))
            return false;
    }
    atomic_store(&w.in_loop, true);
    return true;
}

bool rsc_watcher_take(void)
{
    return atomic_exchange(&w.fired, false);
}

void rsc_watcher_leave(void)
{
    atomic_store(&w.in_loop, false);
}
