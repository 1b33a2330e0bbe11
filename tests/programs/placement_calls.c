/* Checks that the sentry's CPU placement (csrc/placement.h: a woken caller is held on the
 * sentry's CPU for the length of the wakeup) leaves no trace on the workload: after
 * emulated calls (getuid), gofer calls (stat) and fd deliveries (open), each thread still
 * has the affinity mask, scheduling policy, reset-on-fork flag and nice value it had or
 * set itself, including a thread pinned to one CPU and threads of the batch and idle
 * policies (looked at after a short sleep, once the sentry is done with the thread); a
 * thread or process created right after a call, and a program right after execve, get
 * the creator's own mask. Prints one line per check: "NAME ok", or "NAME: WHAT" when
 * something differs.
 *
 *   placement_calls            all checks
 *   placement_calls child N    (exec'd by the above) checks its mask has N CPUs */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 300

static cpu_set_t box_mask;  /* the mask the workload started with */

static void calls(void)
{
    struct stat st;
    for (int i = 0; i < ROUNDS; i++) {
        syscall(SYS_getuid);
        stat("/bin", &st);
        if (i % 10 == 0)
            close(open("/bin", O_RDONLY | O_CLOEXEC));
    }
    struct timespec settle = {0, 20 * 1000 * 1000};
    nanosleep(&settle, NULL);
}

static long tid(void)
{
    return syscall(SYS_gettid);
}

static void check_mask(const char *name, const cpu_set_t *want)
{
    cpu_set_t now;
    if (sched_getaffinity(0, sizeof(now), &now) < 0)
        printf("%s: sched_getaffinity failed\n", name);
    else if (!CPU_EQUAL(&now, want))
        printf("%s: mask has %d CPUs, not %d\n", name, CPU_COUNT(&now), CPU_COUNT(want));
    else
        printf("%s ok\n", name);
}

static void check_policy(const char *name, int want)
{
    int policy = sched_getscheduler(0);
    if (policy != want)
        printf("%s: policy %#x, not %#x\n", name, policy, want);
    else
        printf("%s ok\n", name);
}

struct job {
    const char *name;
    int policy;  /* -1: leave it */
    char out[256];
};

static void *run_job(void *arg)
{
    struct job *job = arg;
    struct sched_param none = {0};
    if (job->policy >= 0 && sched_setscheduler((pid_t)tid(), job->policy, &none) < 0) {
        snprintf(job->out, sizeof(job->out), "%s: sched_setscheduler failed\n", job->name);
        return NULL;
    }
    calls();
    cpu_set_t now;
    int policy = sched_getscheduler(0);
    sched_getaffinity(0, sizeof(now), &now);
    int want = job->policy >= 0 ? job->policy : SCHED_OTHER;
    if (!CPU_EQUAL(&now, &box_mask))
        snprintf(job->out, sizeof(job->out), "%s: mask has %d CPUs, not %d\n", job->name,
                 CPU_COUNT(&now), CPU_COUNT(&box_mask));
    else if (policy != want)
        snprintf(job->out, sizeof(job->out), "%s: policy %#x, not %#x\n", job->name, policy,
                 want);
    else
        snprintf(job->out, sizeof(job->out), "%s ok\n", job->name);
    return NULL;
}

static void *look(void *arg)
{
    cpu_set_t *seen = arg;
    sched_getaffinity(0, sizeof(*seen), seen);
    return NULL;
}

static void one_call(int which)
{
    struct stat st;
    if (which == 0)
        syscall(SYS_getuid);
    else if (which == 1)
        stat("/bin", &st);
    else
        close(open("/bin", O_RDONLY | O_CLOEXEC));
}

/* A thread created, or a process forked, right after a call inherits the mask its
 * creator has at that moment: had the creator been returned to with its mask still
 * narrowed, the new task would keep one CPU for good. */
static void check_inherited(void)
{
    int bad_threads = 0, bad_children = 0;
    for (int i = 0; i < 30; i++) {
        cpu_set_t seen;
        pthread_t thread;
        int which = i % 3;  /* an emulated call, a gofer call, an fd delivery */
        one_call(which);
        pthread_create(&thread, NULL, look, &seen);
        pthread_join(thread, NULL);
        bad_threads += !CPU_EQUAL(&seen, &box_mask);
        one_call(which);
        pid_t pid = fork();
        if (pid == 0) {
            sched_getaffinity(0, sizeof(seen), &seen);
            _exit(CPU_EQUAL(&seen, &box_mask) ? 0 : 1);
        }
        int status;
        waitpid(pid, &status, 0);
        bad_children += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    }
    if (bad_threads || bad_children)
        printf("inherited: %d threads and %d children of 30 had another mask\n", bad_threads,
               bad_children);
    else
        printf("inherited ok\n");
}

static int child(int want)
{
    cpu_set_t now;
    sched_getaffinity(0, sizeof(now), &now);
    if (CPU_COUNT(&now) != want)
        printf("exec child: mask has %d CPUs, not %d\n", CPU_COUNT(&now), want);
    else
        printf("exec child ok\n");
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc == 3 && strcmp(argv[1], "child") == 0)
        return child(atoi(argv[2]));
    if (sched_getaffinity(0, sizeof(box_mask), &box_mask) < 0)
        return 1;

    struct job jobs[] = {{"thread normal", -1, ""}, {"thread normal 2", -1, ""},
                         {"thread batch", SCHED_BATCH, ""}, {"thread idle", SCHED_IDLE, ""}};
    pthread_t threads[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&threads[i], NULL, run_job, &jobs[i]);
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        fputs(jobs[i].out, stdout);
    }

    check_inherited();
    calls();
    check_mask("main", &box_mask);
    check_policy("main policy", SCHED_OTHER);

    struct sched_param none = {0};
    sched_setscheduler(0, SCHED_OTHER | SCHED_RESET_ON_FORK, &none);
    setpriority(PRIO_PROCESS, (id_t)tid(), 5);
    calls();
    check_policy("reset on fork", SCHED_OTHER | SCHED_RESET_ON_FORK);
    int nice = getpriority(PRIO_PROCESS, (id_t)tid());
    printf(nice == 5 ? "nice ok\n" : "nice: %d, not 5\n", nice);

    int last = -1;  /* pinned to one CPU: placement leaves it there */
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
        if (CPU_ISSET(cpu, &box_mask))
            last = cpu;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(last, &one);
    sched_setaffinity(0, sizeof(one), &one);
    calls();
    check_mask("pinned", &one);
    sched_setaffinity(0, sizeof(box_mask), &box_mask);

    char count[16];
    snprintf(count, sizeof(count), "%d", CPU_COUNT(&box_mask));
    pid_t pid = fork();
    if (pid == 0) {
        execl(argv[0], argv[0], "child", count, (char *)NULL);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
