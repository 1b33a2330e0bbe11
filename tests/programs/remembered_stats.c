/* Changes a file through fds and names while stat-ing it, and prints what stat and
 * access say after each change: the C fast path remembers successful lookups, and none
 * of these changes may be hidden by that memory. Works in the directory given as argv[1]
 * (a tmpfs); exits non-zero if a setup call fails. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

static char path_f[256], path_g[256], path_h[256], path_d[256], path_sub[256];

static void must(int ok, const char *what)
{
    if (!ok) {
        perror(what);
        exit(2);
    }
}

static struct stat stat_of(const char *path)
{
    struct stat st;
    must(stat(path, &st) == 0, path);
    return st;
}

int main(int argc, char **argv)
{
    must(argc == 2, "usage: remembered_stats DIR");
    snprintf(path_f, sizeof path_f, "%s/f", argv[1]);
    snprintf(path_g, sizeof path_g, "%s/g", argv[1]);
    snprintf(path_h, sizeof path_h, "%s/h", argv[1]);
    snprintf(path_d, sizeof path_d, "%s/d", argv[1]);
    snprintf(path_sub, sizeof path_sub, "%s/d/sub", argv[1]);

    int made = open(path_f, O_CREAT | O_WRONLY, 0644);
    must(made >= 0, "create f");
    close(made);
    printf("size before writing: %ld\n", (long)stat_of(path_f).st_size);
    printf("size again: %ld\n", (long)stat_of(path_f).st_size);
    int writer = open(path_f, O_WRONLY | O_APPEND);
    must(writer >= 0, "open f for writing");
    must(write(writer, "abc", 3) == 3, "write");
    printf("size after a write: %ld\n", (long)stat_of(path_f).st_size);
    must(write(writer, "de", 2) == 2, "write");
    printf("size after another write: %ld\n", (long)stat_of(path_f).st_size);

    must(link(path_f, path_g) == 0, "link");
    printf("size by the second name: %ld\n", (long)stat_of(path_g).st_size);
    must(write(writer, "x", 1) == 1, "write");
    printf("size by the second name after a write: %ld\n", (long)stat_of(path_g).st_size);
    close(writer);

    made = open(path_h, O_CREAT | O_WRONLY, 0644);
    must(made >= 0, "create h");
    close(made);
    int reader = open(path_h, O_RDONLY);
    must(reader >= 0, "open h");
    printf("mode: %o\n", stat_of(path_h).st_mode & 07777);
    must(fchmod(reader, 0600) == 0, "fchmod");
    printf("mode after fchmod: %o\n", stat_of(path_h).st_mode & 07777);
    must(fchmod(reader, 0755) == 0, "fchmod");
    printf("executable: %s\n", access(path_h, X_OK) == 0 ? "yes" : strerror(errno));
    must(fchmod(reader, 0644) == 0, "fchmod");
    printf("executable after fchmod: %s\n", access(path_h, X_OK) == 0 ? "yes" : strerror(errno));
    printf("owner: %u\n", (unsigned)stat_of(path_h).st_uid);
    must(fchown(reader, 1234, -1) == 0, "fchown");
    printf("owner after fchown: %u\n", (unsigned)stat_of(path_h).st_uid);
    struct stat before = stat_of(path_h);
    usleep(20000);  /* past the clock's granularity, so the change shows in ctime */
    must(fsetxattr(reader, "user.note", "1", 1, 0) == 0, "fsetxattr");
    struct stat after = stat_of(path_h);
    printf("ctime moved by fsetxattr: %s\n",
           before.st_ctim.tv_sec != after.st_ctim.tv_sec ||
           before.st_ctim.tv_nsec != after.st_ctim.tv_nsec ? "yes" : "no");
    printf("mtime is today's: %s\n", stat_of(path_h).st_mtime > 1000000000L ? "yes" : "no");
    struct timespec times[2] = {{.tv_nsec = UTIME_OMIT}, {.tv_sec = 1000000000L}};
    must(futimens(reader, times) == 0, "futimens");
    printf("mtime after futimens: %ld\n", (long)stat_of(path_h).st_mtime);
    close(reader);

    must(mkdir(path_d, 0755) == 0, "mkdir d");
    printf("links of d: %lu\n", (unsigned long)stat_of(path_d).st_nlink);
    must(mkdir(path_sub, 0755) == 0, "mkdir d/sub");
    printf("links of d after mkdir: %lu\n", (unsigned long)stat_of(path_d).st_nlink);
    return 0;
}
