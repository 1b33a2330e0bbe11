/* Prints what the identity, uname and credential-change calls return, made as raw
 * syscalls, including their error cases, from two threads and a child process.
 * tests/test_fast_path.py runs it with the C fast path and without it (--strace) and
 * compares. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define BAD ((void *)8)  /* never mapped */

static void show(const char *what, long r)
{
    printf("%s = %ld%s%s\n", what, r < 0 ? -1L : r, r < 0 ? " " : "",
           r < 0 ? strerror(errno) : "");
}

static void identity(const char *who)
{
    unsigned r[3] = {0, 0, 0};
    gid_t groups[64];
    printf("-- %s\n", who);
    show("getuid", syscall(SYS_getuid));
    show("geteuid", syscall(SYS_geteuid));
    show("getgid", syscall(SYS_getgid));
    show("getegid", syscall(SYS_getegid));
    show("getresuid", syscall(SYS_getresuid, &r[0], &r[1], &r[2]));
    printf("  %u %u %u\n", r[0], r[1], r[2]);
    show("getresgid", syscall(SYS_getresgid, &r[0], &r[1], &r[2]));
    printf("  %u %u %u\n", r[0], r[1], r[2]);
    show("getresuid(bad)", syscall(SYS_getresuid, &r[0], BAD, &r[2]));
    long n = syscall(SYS_getgroups, 0, NULL);
    show("getgroups(0)", n);
    long got = syscall(SYS_getgroups, 64, groups);
    show("getgroups(64)", got);
    for (long i = 0; i < got; i++)
        printf("  %u", groups[i]);
    printf("\n");
    if (n > 0)
        show("getgroups(too small)", syscall(SYS_getgroups, n - 1, groups));
    show("getgroups(negative)", syscall(SYS_getgroups, -1, groups));
    if (n > 0)
        show("getgroups(bad)", syscall(SYS_getgroups, 64, BAD));
}

static void *thread_main(void *arg)
{
    identity(arg);
    return NULL;
}

int main(void)
{
    struct utsname u;
    pthread_t thread;
    setvbuf(stdout, NULL, _IOLBF, 0);
    identity("main");
    show("uname", syscall(SYS_uname, &u));
    printf("  %s %s %s %s\n", u.sysname, u.nodename, u.release, u.machine);
    show("uname(bad)", syscall(SYS_uname, BAD));
    show("umask(027)", syscall(SYS_umask, 027));
    show("umask(022)", syscall(SYS_umask, 022));
    gid_t some[2] = {5, 7};
    show("setgroups", syscall(SYS_setgroups, 2, some));
    static gid_t many[300];
    show("setgroups(300 groups)", syscall(SYS_setgroups, 300, many));
    show("setresgid", syscall(SYS_setresgid, 100, 101, 102));
    identity("main after setgroups/setresgid");
    pthread_create(&thread, NULL, thread_main, "thread (its own credentials)");
    pthread_join(thread, NULL);
    show("setresuid", syscall(SYS_setresuid, 1000, 1001, 1002));
    identity("main after setresuid");
    show("setuid(0)", syscall(SYS_setuid, 0));
    show("setfsuid", syscall(SYS_setfsuid, 1001));
    identity("main after refused setuid");
    pid_t child = fork();
    if (child == 0) {
        show("child setresuid", syscall(SYS_setresuid, 1001, 1001, 1001));
        identity("child");
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    identity("main after child");
    return 0;
}
