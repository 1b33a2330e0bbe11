/* The gofer's C loop: receives requests and answers the hot lookups (OPEN, STAT, STATX,
 * ACCESS, READLINK, and the checks before chdir and execve: what builds and interpreters
 * make by the thousand), and the sentry's helpers LIST and EXPAND (PROTOCOL.md),
 * without entering Python. Anything else, or anything that does not parse cleanly, is
 * handed to the Python gofer (gofer/server.py), which validates it strictly and answers
 * or refuses it. The rules are the same: every path is resolved with
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) under the caller's fs ids, groups and
 * file capabilities. */
#define _GNU_SOURCE
#include "gofer_fast.h"
#include "inode_id.h"
#include "native.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#define HEAD_SIZE 22
#define MAX_GROUPS 256
#define MAX_PATH 4095
#define READLINK_TEXT 4096  /* PATH_MAX: the longest text a link holds */
#define REPLY_HEAD 11
#define RESOLVE_FLAGS (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)
#define FILE_CAPS 0x1fULL
#define SWITCH_CAPS ((1ULL << 6) | (1ULL << 7))
#define GOFER_CAPS (FILE_CAPS | SWITCH_CAPS)
#define VALID_OPEN_FLAGS (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | \
                          O_NONBLOCK | O_DSYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY | \
                          O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_SYNC | O_PATH | O_TMPFILE | \
                          FASYNC)

enum { OP_OPEN = 1, OP_STAT = 2, OP_STATX = 3, OP_ACCESS = 4, OP_READLINK = 5,
       OP_CHECK_DIR = 17, OP_CHECK_EXEC = 18, OP_LIST = 21, OP_EXPAND = 22 };
#define MAX_LINKS 40
#define LIST_PAYLOAD 131072

struct caller {
    uint32_t fsuid, fsgid;
    uint64_t caps;
    uint16_t ngroups;
    uint32_t groups[MAX_GROUPS];
};

static struct caller current;
static bool have_current;

static int capset_raw(uint64_t effective, uint64_t permitted)
{
    struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3};
    struct __user_cap_data_struct data[2] = {
        {.effective = (uint32_t)effective, .permitted = (uint32_t)permitted},
        {.effective = (uint32_t)(effective >> 32), .permitted = (uint32_t)(permitted >> 32)},
    };
    return syscall(SYS_capset, &header, data) < 0 ? -errno : 0;
}

int rsc_gofer_become(uint32_t fsuid, uint32_t fsgid, const uint32_t *groups, int ngroups,
                     uint64_t caps)
{
    if (ngroups < 0 || ngroups > MAX_GROUPS)
        return -EINVAL;
    if (have_current && current.fsuid == fsuid && current.fsgid == fsgid &&
        current.caps == caps && current.ngroups == ngroups &&
        memcmp(current.groups, groups, 4 * (size_t)ngroups) == 0)
        return 0;
    have_current = false;
    int r = capset_raw(GOFER_CAPS, GOFER_CAPS);
    if (r < 0)
        return r;
    /* Raw syscalls: the gofer has one thread, so no glibc broadcast is needed. */
    if (syscall(SYS_setgroups, ngroups, groups) < 0)
        return -errno;
    syscall(SYS_setfsgid, fsgid);
    if ((uint32_t)syscall(SYS_setfsgid, -1) != fsgid)
        return -EPERM;
    syscall(SYS_setfsuid, fsuid);
    if ((uint32_t)syscall(SYS_setfsuid, -1) != fsuid)
        return -EPERM;
    r = capset_raw(caps & FILE_CAPS, GOFER_CAPS);
    if (r < 0)
        return r;
    current.fsuid = fsuid;
    current.fsgid = fsgid;
    current.caps = caps;
    current.ngroups = (uint16_t)ngroups;
    memcpy(current.groups, groups, 4 * (size_t)ngroups);
    have_current = true;
    return 0;
}

static int open_in_root(int root_fd, const char *path, uint64_t flags, uint64_t mode)
{
    struct open_how how = {.flags = flags | O_CLOEXEC, .mode = mode, .resolve = RESOLVE_FLAGS};
    long fd = syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
    return fd < 0 ? -errno : (int)fd;
}

/* The parent directory, resolved in the root, and the final name (in `path`, edited). */
static int open_parent(int root_fd, char *path, const char **name)
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        path[--len] = 0;
    char *slash = strrchr(path, '/');
    if (!slash)
        return -ENOENT;  /* the sentry sends absolute paths only */
    if (slash == path) {
        *name = path[1] ? path + 1 : ".";
        return open_in_root(root_fd, "/", O_PATH | O_DIRECTORY, 0);
    }
    *slash = 0;
    *name = slash + 1;
    return open_in_root(root_fd, path, O_PATH | O_DIRECTORY, 0);
}

static int reply(int sock, int32_t status, const void *payload, uint32_t len, int fd)
{
    char head[REPLY_HEAD];
    memcpy(head, "RG\1", 3);
    memcpy(head + 3, &status, 4);
    memcpy(head + 7, &len, 4);
    struct iovec iov[2] = {{.iov_base = head, .iov_len = REPLY_HEAD},
                           {.iov_base = (void *)payload, .iov_len = len}};
    ssize_t n = rsc_send_with_fd(sock, iov, len ? 2 : 1, fd, MSG_NOSIGNAL);
    return n < 0 ? (int)n : 0;
}

static int stat_like(int root_fd, int op, char *path, int64_t at_flags, uint32_t mask,
                     char *out, uint32_t *out_len)
{
    const char *name = "";
    int fd;
    long r;
    bool nofollow = at_flags & AT_SYMLINK_NOFOLLOW;
    if (nofollow) {
        fd = open_parent(root_fd, path, &name);
    } else {
        fd = open_in_root(root_fd, path, O_PATH, 0);
        at_flags = (at_flags & ~AT_SYMLINK_NOFOLLOW) | AT_EMPTY_PATH;
    }
    if (fd < 0)
        return fd;
    if (op == OP_STAT) {
        r = syscall(SYS_newfstatat, fd, name, out, (int)(at_flags & AT_SYMLINK_NOFOLLOW) |
                    (nofollow ? 0 : AT_EMPTY_PATH));
        *out_len = 144;
    } else {
        r = syscall(SYS_statx, fd, name, (int)(nofollow ? at_flags & ~AT_EMPTY_PATH : at_flags),
                    mask, out);
        *out_len = 256;
    }
    int err = r < 0 ? -errno : 0;
    close(fd);
    return err;
}

static int access_check(int root_fd, char *path, int64_t mode, int64_t at_flags)
{
    const char *name = "";
    int fd, flags = AT_EACCESS;
    if (at_flags & AT_SYMLINK_NOFOLLOW) {
        fd = open_parent(root_fd, path, &name);
        flags |= AT_SYMLINK_NOFOLLOW;
    } else {
        fd = open_in_root(root_fd, path, O_PATH, 0);
        flags |= AT_EMPTY_PATH;
    }
    if (fd < 0)
        return fd;
    long r = syscall(SYS_faccessat2, fd, name, (int)mode, flags);
    int err = r < 0 ? -errno : 0;
    close(fd);
    return err;
}

/* READLINK: the link text, or EINVAL for a name that is not a link; either way followed
 * by the identity of the name's own inode (PROTOCOL.md "Where names are"), by which the
 * sentry forgets the answer when that file is removed. */
static int read_link(int root_fd, char *path, char *out, uint32_t *out_len)
{
    const char *name;
    int fd = open_parent(root_fd, path, &name);
    if (fd < 0)
        return fd;
    struct stat st;
    ssize_t n = -1;
    int err = fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
    if (!err && S_ISLNK(st.st_mode)) {
        n = readlinkat(fd, name, out, READLINK_TEXT);
        err = n < 0 ? -errno : 0;
    } else if (!err) {
        err = -EINVAL;
    }
    close(fd);
    *out_len = 0;
    if (err && err != -EINVAL)
        return err;
    struct inode_id own = identity_of(&st);
    uint32_t len = n > 0 ? (uint32_t)n : 0;
    memcpy(out + len, &own, sizeof(own));
    *out_len = len + (uint32_t)sizeof(own);
    return err;
}

/* An identity is only worth sending if it stays the directory's. On most filesystems it
 * does, but overlayfs numbers a directory's inode when it builds it (layers on different
 * filesystems, no xino), and builds it again, under a new number, if the kernel evicted it
 * meanwhile: a failure remembered under the old number would outlive a create reported
 * under the new. So an overlay directory is identified only while the gofer holds it open
 * (pinned, up to MAX_PINS of them), which keeps its inode, and its number, alive. */
#define MAX_PINS 512

static struct inode_id pinned[MAX_PINS];
static int pin_count;

/* Whether the filesystem of `dir` (device `dev`) is an overlay; the last device's answer
 * is kept (a device number names one superblock), which saves an fstatfs per lookup. */
static bool on_overlay(int dir, dev_t dev, bool *overlay)
{
    static dev_t known_dev;
    static bool known, known_overlay;
    if (!known || dev != known_dev) {
        struct statfs fs;
        if (fstatfs(dir, &fs) < 0)
            return false;
        known = true;
        known_dev = dev;
        known_overlay = fs.f_type == OVERLAYFS_SUPER_MAGIC;
    }
    *overlay = known_overlay;
    return true;
}

static bool identify(int dir, struct inode_id *out)
{
    struct stat st;
    bool overlay;
    if (fstat(dir, &st) < 0 || !on_overlay(dir, st.st_dev, &overlay))
        return false;
    *out = identity_of(&st);
    if (!overlay)
        return true;
    for (int i = 0; i < pin_count; i++)
        if (pinned[i].dev == out->dev && pinned[i].ino == out->ino)
            return true;
    if (pin_count == MAX_PINS || fcntl(dir, F_DUPFD_CLOEXEC, 0) < 0)
        return false;  /* the copy stays open: the pin */
    pinned[pin_count++] = *out;
    return true;
}

/* The directory holding `path`'s final name, or with `deepest` the deepest directory on
 * the way that exists (each missing one leaves its parent), identified if `wanted` holds
 * of that name: its lstat's result (0 or -errno) and mode. */
static bool parent_identity(int root_fd, const char *path, bool deepest,
                            bool (*wanted)(int lstat_result, mode_t mode), struct inode_id *out)
{
    char copy[MAX_PATH + 1];
    const char *name;
    snprintf(copy, sizeof(copy), "%s", path);
    if (copy[0] != '/')
        return false;
    int dir;
    while ((dir = open_parent(root_fd, copy, &name)) == -ENOENT && deepest)
        ;  /* open_parent left the parent's path in `copy`: that is missing too ("/" is not) */
    if (dir < 0)
        return false;
    struct stat st;
    int r = fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
    bool found = wanted(r, r == 0 ? st.st_mode : 0) && identify(dir, out);
    close(dir);
    return found;
}

/* A failed lookup found its name missing there (only a create of that name there can
 * change the answer); not a dangling symlink on the way, nor a directory it may not
 * search, which any create may undo. */
static bool absent(int lstat_result, mode_t mode)
{
    (void)mode;
    return lstat_result == -ENOENT;
}

/* A create made its name there: not through a symlink (the file is where it points). */
static bool named_here(int lstat_result, mode_t mode)
{
    return lstat_result == 0 && !S_ISLNK(mode);
}

/* A failure; an ENOENT carries the directory the name is missing from, when known. */
static int reply_failure(int sock, int root_fd, const char *path, int err)
{
    struct inode_id where;
    if (err == -ENOENT && parent_identity(root_fd, path, true, absent, &where))
        return reply(sock, err, &where, sizeof(where), -1);
    return reply(sock, err, NULL, 0, -1);
}

/* Before chdir and execve, which the kernel then runs in the box's mount namespace:
 * the path is a directory (or a regular file) the caller may search (or execute). */
static int check_entry(int root_fd, const char *path, int op)
{
    int fd = open_in_root(root_fd, path, op == OP_CHECK_DIR ? O_PATH | O_DIRECTORY : O_PATH, 0);
    if (fd < 0)
        return fd;
    struct stat st;
    int err = 0;
    if (op == OP_CHECK_EXEC && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)))
        err = -EACCES;
    else if (syscall(SYS_faccessat2, fd, "", X_OK, AT_EACCESS | AT_EMPTY_PATH) < 0)
        err = -errno;
    close(fd);
    return err;
}

/* LIST: every entry of a directory with its lstat, and the text of each symlink, so that
 * the sentry can remember them all at once (a walk stats each entry of the directories
 * it reads). Entries are records: u16 name length, name, struct stat (144), u16 link
 * length, link text. Entries the caller may not stat are left out, and so is whatever
 * does not fit in LIST_PAYLOAD: the list is never taken to be complete. */
struct dirent64_record {  /* what getdents64 writes (glibc has no header for it) */
    uint64_t ino;
    int64_t off;
    uint16_t reclen;
    uint8_t type;
    char name[];
};

static int list_entries(int sock, int root_fd, const char *path)
{
    static char out[LIST_PAYLOAD];
    int dir = open_in_root(root_fd, path, O_RDONLY | O_DIRECTORY, 0);
    if (dir < 0)
        return reply(sock, dir, NULL, 0, -1);
    size_t used = 0;
    bool full = false;
    char entries[16384];
    long n;
    while (!full && (n = syscall(SYS_getdents64, dir, entries, sizeof(entries))) > 0) {
        for (long off = 0; off < n && !full;) {
            const struct dirent64_record *e = (const void *)(entries + off);
            off += e->reclen;
            const char *name = e->name;
            if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                continue;
            struct stat st;
            if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                continue;
            char link[MAX_PATH];
            ssize_t link_len = 0;
            if (S_ISLNK(st.st_mode) && (link_len = readlinkat(dir, name, link, sizeof(link))) < 0)
                continue;
            uint16_t name_len = (uint16_t)strlen(name), link_len16 = (uint16_t)link_len;
            size_t need = 2 + name_len + sizeof(st) + 2 + (size_t)link_len;
            if (used + need > sizeof(out)) {
                full = true;
                break;
            }
            memcpy(out + used, &name_len, 2);
            memcpy(out + used + 2, name, name_len);
            memcpy(out + used + 2 + name_len, &st, sizeof(st));
            memcpy(out + used + 2 + name_len + sizeof(st), &link_len16, 2);
            memcpy(out + used + 4 + name_len + sizeof(st), link, (size_t)link_len);
            used += need;
        }
    }
    int err = n < 0 ? -errno : 0;
    close(dir);
    return err ? reply(sock, err, NULL, 0, -1) : reply(sock, 0, out, (uint32_t)used, -1);
}

/* EXPAND: /proc/self and /proc/thread-self name nothing for the gofer, which is outside
 * the box's pids, so a path that reaches them through a symlink (/etc/mtab ->
 * ../proc/self/mounts) fails here though it works in the box. This follows the path's
 * symlinks by hand, as the kernel would in the box, up to such a link, and answers the
 * rest from it ("/proc/self/mounts"), which the sentry turns into the caller's own
 * entry and asks for again. The final component is followed only if `follow_final`.
 * ENOENT when the path meets no such link. */
static int expand_to_proc_self(int root_fd, const char *path, bool follow_final, char *out,
                               uint32_t *out_len)
{
    char rest[2 * MAX_PATH + 2], done[MAX_PATH + 1] = "";  /* done: "" is the root */
    size_t done_len = 0;
    snprintf(rest, sizeof(rest), "%s", path);
    const char *cursor = rest;
    for (int links = 0;;) {
        while (*cursor == '/')
            cursor++;
        if (!*cursor)
            return -ENOENT;
        const char *end = strchrnul(cursor, '/');
        size_t len = (size_t)(end - cursor);
        char name[256];
        if (len >= sizeof(name))
            return -ENAMETOOLONG;
        memcpy(name, cursor, len);
        name[len] = 0;
        cursor = end;
        const char *after = end;
        while (*after == '/')
            after++;
        if (strcmp(name, ".") == 0)
            continue;
        if (strcmp(name, "..") == 0) {
            char *slash = strrchr(done, '/');
            done_len = slash ? (size_t)(slash - done) : 0;
            done[done_len] = 0;
            continue;
        }
        if (!*after && !*end && !follow_final)
            return -ENOENT;  /* the last name, not followed: no link of /proc's is met */
        int dir = open_in_root(root_fd, done_len ? done : "/", O_PATH | O_DIRECTORY, 0);
        if (dir < 0)
            return dir;
        struct stat st;
        struct statfs fs;
        bool link = fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
        bool own = link && strcmp(done, "/proc") == 0 && fstatfs(dir, &fs) == 0 &&
                   fs.f_type == PROC_SUPER_MAGIC &&
                   (strcmp(name, "self") == 0 || strcmp(name, "thread-self") == 0);
        char target[MAX_PATH + 1];
        ssize_t n = link && !own ? readlinkat(dir, name, target, sizeof(target) - 1) : 0;
        close(dir);
        if (own) {
            int w = snprintf(out, MAX_PATH + 1, "/proc/%s%s%s", name, *after ? "/" : "", after);
            if (w > MAX_PATH)
                return -ENAMETOOLONG;
            *out_len = (uint32_t)w;
            return 0;
        }
        if (!link) {
            if (done_len + 1 + len > MAX_PATH)
                return -ENAMETOOLONG;
            done[done_len++] = '/';
            memcpy(done + done_len, name, len + 1);
            done_len += len;
            continue;
        }
        if (n < 0 || ++links > MAX_LINKS)
            return n < 0 ? -errno : -ELOOP;
        target[n] = 0;
        if (target[0] == '/')
            done[done_len = 0] = 0;
        char spliced[sizeof(rest)];
        if ((size_t)snprintf(spliced, sizeof(spliced), "%s%s%s", target, *after ? "/" : "",
                             after) >= sizeof(spliced))
            return -ENAMETOOLONG;
        memcpy(rest, spliced, strlen(spliced) + 1);
        cursor = rest;
    }
}

/* The identity of what `path` names now, as an open with `flags` would find it. */
static bool identity_now(int root_fd, const char *path, uint64_t flags, struct inode_id *out)
{
    int fd = open_in_root(root_fd, path, O_PATH | (flags & O_NOFOLLOW), 0);
    if (fd < 0)
        return false;
    struct stat st;
    bool found = fstat(fd, &st) == 0;
    close(fd);
    if (found)
        *out = identity_of(&st);
    return found;
}

/* OPEN. An open that may write tells the sentry what it did (PROTOCOL.md, "Where names
 * are"): whether it made the name (an O_CREAT open is tried with O_EXCL first: it makes
 * the name or finds it there, and is then made as asked), and whether the file it found
 * now has another number (an overlay may number a file anew when it copies it up). */
enum { OPEN_MADE = 1, OPEN_RENUMBERED = 2 };  /* as answers.h's RSC_OPEN_* */

static int open_file(int sock, int root_fd, const char *path, const int64_t ints[4])
{
    uint64_t flags = ((uint64_t)ints[0] & VALID_OPEN_FLAGS) | O_CLOEXEC;
    bool creating = (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
    bool may_write = (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) || creating;
    uint64_t mode = creating ? (uint64_t)ints[1] & 07777 : 0;
    bool try_excl = (flags & O_CREAT) && !(flags & O_EXCL);
    int fd = -1;
    bool made = false, had_before = false;
    struct inode_id before;
    if (try_excl) {
        fd = open_in_root(root_fd, path, flags | O_EXCL, mode);
        made = fd >= 0;
    }
    if (!try_excl || fd == -EEXIST) {
        /* the name is there, but an O_CREAT open through a dangling symlink still makes a
         * file (where the link points): what the path names beforehand tells */
        had_before = may_write && !(flags & O_EXCL) && identity_now(root_fd, path, flags, &before);
        fd = open_in_root(root_fd, path, flags, mode);
        made = (flags & O_CREAT) && fd >= 0 && ((flags & O_EXCL) || !had_before);
    }
    if (fd < 0)
        return reply_failure(sock, root_fd, path, fd);
    struct said { uint8_t what; struct inode_id where; } __attribute__((packed)) said = {0};
    said.what = made ? OPEN_MADE : 0;
    struct stat st;
    if (had_before && fstat(fd, &st) == 0 &&
        ((uint64_t)st.st_dev != before.dev || (uint64_t)st.st_ino != before.ino))
        said.what |= OPEN_RENUMBERED;
    struct inode_id where;
    bool known = made && parent_identity(root_fd, path, false, named_here, &where);
    if (known)
        said.where = where;
    uint32_t len = !may_write || (flags & O_TMPFILE) == O_TMPFILE ? 0 :
                   known ? sizeof(said) : 1;
    int r = reply(sock, 0, &said, len, fd);
    close(fd);
    return r;
}

/* Answer one well-formed hot request; 1 means "not mine" (Python takes it). */
static int answer(int sock, int root_fd, const char *msg, size_t len)
{
    uint8_t op = (uint8_t)msg[3];
    if ((op < OP_OPEN || op > OP_READLINK) && op != OP_CHECK_DIR && op != OP_CHECK_EXEC &&
        op != OP_LIST && op != OP_EXPAND)
        return 1;
    uint32_t fsuid, fsgid;
    uint64_t caps;
    uint16_t ngroups;
    memcpy(&fsuid, msg + 4, 4);
    memcpy(&fsgid, msg + 8, 4);
    memcpy(&caps, msg + 12, 8);
    memcpy(&ngroups, msg + 20, 2);
    size_t off = HEAD_SIZE + 4 * (size_t)ngroups;
    if (ngroups > MAX_GROUPS || len < off + 32 + 1 + 2)
        return 1;
    uint32_t groups[MAX_GROUPS];
    memcpy(groups, msg + HEAD_SIZE, 4 * (size_t)ngroups);
    int64_t ints[4];
    memcpy(ints, msg + off, 32);
    off += 32;
    if (msg[off] != 1)
        return 1;
    uint16_t plen;
    memcpy(&plen, msg + off + 1, 2);
    off += 3;
    if (plen == 0 || plen > MAX_PATH || len != off + plen + 2 ||
        msg[off + plen] != 0 || msg[off + plen + 1] != 0)  /* blob length 0 */
        return 1;
    char path[MAX_PATH + 1];
    memcpy(path, msg + off, plen);
    path[plen] = 0;
    if (strlen(path) != plen)
        return 1;  /* an embedded NUL: Python refuses it */

    int err = rsc_gofer_become(fsuid, fsgid, groups, ngroups, caps);
    if (err < 0)
        return reply(sock, err, NULL, 0, -1);
    char out[READLINK_TEXT + sizeof(struct inode_id)], original[MAX_PATH + 1];
    uint32_t out_len = 0;
    memcpy(original, path, (size_t)plen + 1);  /* the lookups below cut `path` in two */
    switch (op) {
    case OP_OPEN:
        return open_file(sock, root_fd, path, ints);
    case OP_STAT:
    case OP_STATX:
        err = stat_like(root_fd, op, path, ints[0], (uint32_t)ints[1], out, &out_len);
        break;
    case OP_ACCESS:
        err = access_check(root_fd, path, ints[0], ints[1]);
        break;
    case OP_CHECK_DIR:
    case OP_CHECK_EXEC:
        err = check_entry(root_fd, path, op);
        break;
    case OP_LIST:
        return list_entries(sock, root_fd, path);
    case OP_EXPAND:
        err = expand_to_proc_self(root_fd, path, ints[0] != 0, out, &out_len);
        return reply(sock, err, out, err ? 0 : out_len, -1);
    default:
        err = read_link(root_fd, path, out, &out_len);
        if (err == -EINVAL)
            return reply(sock, err, out, out_len, -1);
        break;
    }
    return err ? reply_failure(sock, root_fd, original, err) : reply(sock, 0, out, out_len, -1);
}

int rsc_gofer_serve(int sock, int root_fd, char *buf, size_t size, int *fd_out)
{
    for (;;) {
        union { struct cmsghdr align; char b[CMSG_SPACE(sizeof(int))]; } control;
        struct iovec iov = {.iov_base = buf, .iov_len = size};
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.b,
                            .msg_controllen = sizeof(control.b)};
        ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
        if (n < 0)
            return errno == EINTR ? -EINTR : -errno;
        int fd = -1;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
                c->cmsg_len == CMSG_LEN(sizeof(int)))
                memcpy(&fd, CMSG_DATA(c), sizeof(int));
        if (n == 0) {
            if (fd >= 0)
                close(fd);
            return 0;  /* the sentry closed its end */
        }
        bool clean = fd < 0 && !(mh.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) && n >= HEAD_SIZE &&
                     memcmp(buf, "RG\1", 3) == 0;
        int r = clean ? answer(sock, root_fd, buf, (size_t)n) : 1;
        if (r == 1) {
            *fd_out = fd;
            return (int)n;  /* for Python: the datagram's length */
        }
        if (r < 0)
            return r;
    }
}
