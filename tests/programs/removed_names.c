/* Looks names up twice (so the C fast path remembers them), removes them, and prints what
 * stat, readlink, access and chdir say afterwards: an unlink of a file forgets only what
 * it can undo, and nothing it undoes may still be answered from memory. Works in the
 * directory given as argv[1] (a tmpfs); exits non-zero if a setup call fails. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

static const char *in_dir(const char *name)
{
    static char paths[8][256];
    static int next;
    char *path = paths[next++ % 8];
    snprintf(path, sizeof paths[0], "%s/%s", dir, name);
    return path;
}

static void must(int ok, const char *what)
{
    if (!ok) {
        perror(what);
        exit(2);
    }
}

/* Made with mknod, not opened for writing: the sentry stops remembering the stats of
 * files the box opens for writing, and this test needs them remembered. */
static void make_file(const char *name)
{
    must(mknod(in_dir(name), S_IFREG | 0644, 0) == 0, name);
}

/* What stat says, as the test compares it: "ok" or the error's name. */
static const char *stat_says(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0)
        return "ok";
    return errno == ENOENT ? "ENOENT" : errno == ENOTDIR ? "ENOTDIR" : strerror(errno);
}

static const char *readlink_says(const char *path)
{
    static char text[256];
    ssize_t n = readlink(path, text, sizeof text - 1);
    if (n >= 0) {
        text[n] = 0;
        return text;
    }
    return errno == ENOENT ? "ENOENT" : errno == EINVAL ? "EINVAL" : strerror(errno);
}

static const char *access_says(const char *path)
{
    return access(path, R_OK) == 0 ? "ok" : errno == ENOENT ? "ENOENT" : strerror(errno);
}

static const char *chdir_says(const char *path)
{
    if (chdir(path) != 0)
        return errno == ENOENT ? "ENOENT" : strerror(errno);
    must(chdir("/") == 0, "chdir /");
    return "ok";
}

static long links_of(const char *path)
{
    struct stat st;
    must(stat(path, &st) == 0, path);
    return (long)st.st_nlink;
}

int main(int argc, char **argv)
{
    must(argc == 2, "usage: removed_names DIR");
    snprintf(dir, sizeof dir, "%s", argv[1]);
    make_file("f");
    must(link(in_dir("f"), in_dir("g")) == 0, "link");
    for (int i = 0; i < 2; i++) {
        printf("f: stat %s, readlink %s, access %s, f/x %s, links of g %ld\n",
               stat_says(in_dir("f")), readlink_says(in_dir("f")), access_says(in_dir("f")),
               stat_says(in_dir("f/x")), links_of(in_dir("g")));
    }
    struct stat before, after;
    must(stat(dir, &before) == 0, "stat dir");
    must(unlink(in_dir("f")) == 0, "unlink f");
    must(stat(dir, &after) == 0, "stat dir");
    printf("f removed: stat %s, readlink %s, access %s, f/x %s, links of g %ld\n",
           stat_says(in_dir("f")), readlink_says(in_dir("f")), access_says(in_dir("f")),
           stat_says(in_dir("f/x")), links_of(in_dir("g")));
    printf("directory changed: %s\n",
           before.st_mtim.tv_nsec != after.st_mtim.tv_nsec ||
           before.st_mtim.tv_sec != after.st_mtim.tv_sec ? "yes" : "no");

    make_file("target");
    must(symlink("target", in_dir("m")) == 0, "symlink m");
    must(mkdir(in_dir("d"), 0755) == 0, "mkdir d");
    make_file("d/y");
    must(symlink("d", in_dir("l")) == 0, "symlink l");
    for (int i = 0; i < 2; i++)
        printf("m: readlink %s, stat %s; l/y: stat %s\n", readlink_says(in_dir("m")),
               stat_says(in_dir("m")), stat_says(in_dir("l/y")));
    must(unlink(in_dir("target")) == 0, "unlink target");
    must(unlink(in_dir("l")) == 0, "unlink l");
    printf("target and l removed: m: readlink %s, stat %s; l/y: stat %s\n",
           readlink_says(in_dir("m")), stat_says(in_dir("m")), stat_says(in_dir("l/y")));

    must(mkdir(in_dir("e"), 0755) == 0, "mkdir e");
    for (int i = 0; i < 2; i++)
        printf("e: stat %s, chdir %s\n", stat_says(in_dir("e")), chdir_says(in_dir("e")));
    must(rmdir(in_dir("e")) == 0, "rmdir e");
    printf("e removed: stat %s, chdir %s\n", stat_says(in_dir("e")), chdir_says(in_dir("e")));
    return 0;
}
