/* Per-call microbenchmark: times one syscall pattern in a tight loop, so the process
 * start-up (and the sandbox's) is excluded from the figure.
 *
 *   calls MODE ROUNDS BUDGET_MS [PATH]
 *
 * MODE is one of getuid, getppid, read, stat, stat_missing, fstat, stat_after_compute,
 * open_close, readlink, fork, exec. PATH is the file that stat/open/readlink use (stat_missing appends a
 * name that does not exist). Each round first finds an iteration count that fills
 * about BUDGET_MS (so a 0.1 us call and a 500 us call are both timed long enough),
 * then prints one line: the round's nanoseconds per call. bench/run.py takes the
 * median of the rounds. Built with gcc -static by bench/run.py.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

static const char *g_path = "/etc/passwd";
static uint64_t g_inner_ns; /* modes that time only part of an iteration add it here */
static char g_missing[4096];
static int g_zero = -1;

/* One call of each pattern. Raw syscall() where libc might cache or reroute, and a
 * check of each result so a sandbox that answers wrongly cannot look fast. */
static void op_getuid(void)
{
    if (syscall(SYS_getuid) < 0)
        die("getuid");
}

static void op_getppid(void)
{
    if (syscall(SYS_getppid) < 0)
        die("getppid");
}

static void op_read(void)
{
    char c;
    if (read(g_zero, &c, 1) != 1)
        die("read /dev/zero");
}

static void op_stat(void)
{
    struct stat st;
    if (stat(g_path, &st) != 0)
        die("stat");
}

static void op_fstat(void)
{
    struct stat st;
    if (fstat(g_zero, &st) != 0) /* glibc 2.36: newfstatat(fd, "", AT_EMPTY_PATH) */
        die("fstat");
}

/* A stat after 1 ms of computing: in a real workload the sentry and gofer have gone idle
 * between calls, and waking them (or their CPU) costs more than in a tight loop. Only the
 * stat is timed. */
static void op_stat_after_compute(void)
{
    struct stat st;
    uint64_t start = now_ns();
    while (now_ns() - start < 1000000)
        ;
    uint64_t t0 = now_ns();
    if (stat(g_path, &st) != 0)
        die("stat");
    g_inner_ns += now_ns() - t0;
}

static void op_stat_missing(void)
{
    struct stat st;
    if (stat(g_missing, &st) == 0 || errno != ENOENT)
        die("stat of a missing file did not fail with ENOENT");
}

static void op_open_close(void)
{
    int fd = open(g_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        die("open");
    close(fd);
}

static void op_readlink(void)
{
    char buf[256];
    if (readlink(g_path, buf, sizeof buf) >= 0 || errno != EINVAL)
        die("readlink of a non-link did not fail with EINVAL");
}

static void op_fork(void)
{
    int status;
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0)
        _exit(0);
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        die("waitpid");
}

static void op_exec(void)
{
    int status;
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        char *argv[] = {"true", NULL};
        char *envp[] = {NULL};
        execve("/bin/true", argv, envp);
        _exit(127);
    }
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        die("exec /bin/true");
}

struct mode {
    const char *name;
    void (*op)(void);
};

static const struct mode MODES[] = {
    {"getuid", op_getuid},       {"getppid", op_getppid},
    {"read", op_read},           {"stat", op_stat},
    {"stat_missing", op_stat_missing}, {"fstat", op_fstat},
    {"stat_after_compute", op_stat_after_compute},
    {"open_close", op_open_close}, {"readlink", op_readlink},
    {"fork", op_fork},           {"exec", op_exec},
};

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s MODE ROUNDS BUDGET_MS [PATH]\n", argv[0]);
        return 2;
    }
    void (*op)(void) = NULL;
    int inner = strcmp(argv[1], "stat_after_compute") == 0;
    for (size_t i = 0; i < sizeof MODES / sizeof MODES[0]; i++)
        if (strcmp(argv[1], MODES[i].name) == 0)
            op = MODES[i].op;
    if (!op) {
        fprintf(stderr, "unknown mode %s\n", argv[1]);
        return 2;
    }
    int rounds = atoi(argv[2]);
    uint64_t budget = (uint64_t)atoi(argv[3]) * 1000000ull;
    if (argc > 4)
        g_path = argv[4];
    snprintf(g_missing, sizeof g_missing, "%s.missing", g_path);
    g_zero = open("/dev/zero", O_RDONLY | O_CLOEXEC);
    if (g_zero < 0)
        die("open /dev/zero");

    /* Warm up (caches, the sandbox's lookup paths) and calibrate: double the count
     * until one batch takes a tenth of the budget. */
    uint64_t n = 1;
    for (;;) {
        uint64_t t0 = now_ns();
        for (uint64_t i = 0; i < n; i++)
            op();
        uint64_t dt = now_ns() - t0;
        if (dt * 10 >= budget || n >= (1ull << 40))
            break;
        n *= 2;
    }
    n = n * 10;
    for (int r = 0; r < rounds; r++) {
        g_inner_ns = 0;
        uint64_t t0 = now_ns();
        for (uint64_t i = 0; i < n; i++)
            op();
        uint64_t dt = inner ? g_inner_ns : now_ns() - t0;
        printf("%.1f\n", (double)dt / (double)n);
        fflush(stdout);
    }
    return 0;
}
