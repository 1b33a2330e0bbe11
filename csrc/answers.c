/* See answers.h. Mirrors sentry/handlers/{sys_identity,sys_utsname,sys_stat,sys_file,
 * sys_exec}.py and gofer/protocol.py for the calls it answers; every case those handle
 * specially (/dev/stdin aliases, the caller's own /proc entries) is returned to Python. */
#define _GNU_SOURCE
#include "answers.h"
#include "inode_id.h"
#include "native.h"
#include "siphash.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

/* An fd form (fstat's newfstatat(fd, "", AT_EMPTY_PATH), faccessat2 likewise): no path
 * to resolve, so the kernel runs it with the caller's own credentials. It re-reads the
 * empty path; a path swapped in meanwhile resolves in the box's mount namespace, where
 * the caller could stat or check it anyway. */
#define CONTINUE_CALL 2
#define AT_FDCWD_VALUE (-100)
#define AT_SYMLINK_NOFOLLOW_VALUE 0x100
#define AT_EACCESS_VALUE 0x200
#define AT_EMPTY_PATH_VALUE 0x1000

/* ---- the caller (its credentials: task_cache.c) ---------------------------------- */

/* All of `buf` into the caller, or -EFAULT. */
static int vm_write(int tid, uint64_t remote, const void *buf, size_t len)
{
    return rsc_vm_write(tid, remote, buf, len) == (int64_t)len ? 0 : -EFAULT;
}

/* A NUL-terminated string from the caller, page by page (it may end before an unmapped
 * page), the first read short: most paths are, and copying the rest of a page costs
 * half a microsecond more. The sentry reads it once; the gofer resolves this copy. */
#define FIRST_READ 256

static int read_cstring(int tid, uint64_t address, char *out)
{
    if (!address)
        return -EFAULT;
    size_t have = 0;
    while (have < PATH_BYTES) {
        uint64_t at = address + have;
        size_t chunk = 4096 - (at % 4096);
        if (have == 0 && chunk > FIRST_READ)
            chunk = FIRST_READ;
        if (chunk > PATH_BYTES - have)
            chunk = PATH_BYTES - have;
        int64_t n = rsc_vm_read(tid, at, out + have, chunk);
        if (n <= 0)
            return -EFAULT;
        char *nul = memchr(out + have, 0, (size_t)n);
        if (nul)
            return (int)(nul - out);
        have += (size_t)n;
    }
    return -ENAMETOOLONG;
}

static bool starts_with_component(const char *path, const char *prefix)
{
    size_t len = strlen(prefix);
    return strncmp(path, prefix, len) == 0 && (path[len] == 0 || path[len] == '/');
}

int rsc_dir_path(int tid, int dirfd, char *out)
{
    char link[64];
    if (dirfd == AT_FDCWD_VALUE)
        snprintf(link, sizeof(link), "/proc/%d/cwd", tid);
    else
        snprintf(link, sizeof(link), "/proc/%d/fd/%d", tid, dirfd);
    ssize_t n = readlink(link, out, PATH_BYTES - 1);
    if (n < 0)
        return errno == ENOENT ? -EBADF : -errno;
    out[n] = 0;
    if (out[0] != '/')
        return -ENOTDIR;
    static const char deleted[] = " (deleted)";
    if ((size_t)n >= sizeof(deleted) - 1 &&
        strcmp(out + n - (sizeof(deleted) - 1), deleted) == 0)
        return -ENOENT;
    return (int)n;
}

int rsc_box_path(int tid, long box_tgid, long box_tid, int dirfd, const char *path, char *out)
{
    char joined[PATH_BYTES * 2];
    if (!*path)
        return -ENOENT;
    if (path[0] == '/') {
        snprintf(joined, sizeof(joined), "%s", path);
    } else {
        char base[PATH_BYTES];
        int n = rsc_dir_path(tid, dirfd, base);
        if (n < 0)
            return n;
        while (n > 0 && base[n - 1] == '/')
            base[--n] = 0;
        snprintf(joined, sizeof(joined), "%s/%s", base, path);
    }
    /* /proc/self and its kin mean the caller, not the gofer, which is outside the box's
     * pids and would find nothing there. */
    static const struct { const char *alias; int kind; } proc_aliases[] = {
        {"/proc/self", 0}, {"/proc/thread-self", 1}, {"/proc/net", 2}, {"/proc/mounts", 3},
    };
    for (size_t i = 0; i < sizeof(proc_aliases) / sizeof(proc_aliases[0]); i++) {
        const char *alias = proc_aliases[i].alias;
        if (!starts_with_component(joined, alias))
            continue;
        const char *rest = joined + strlen(alias);
        static const char *const suffix[] = {"", "", "/net", "/mounts"};
        char real[sizeof(joined)];
        if (proc_aliases[i].kind == 1)
            snprintf(real, sizeof(real), "/proc/%ld/task/%ld%s", box_tgid, box_tid, rest);
        else
            snprintf(real, sizeof(real), "/proc/%ld%s%s", box_tgid, suffix[proc_aliases[i].kind],
                     rest);
        snprintf(joined, sizeof(joined), "%s", real);
        break;
    }
    size_t len = strlen(joined);
    if (len >= PATH_BYTES)
        return -ENAMETOOLONG;
    memcpy(out, joined, len + 1);
    return (int)len;
}

/* rsc_box_path, or RSC_FALLBACK when the path names one of the caller's own fds or /proc
 * entries (/dev/stdin, /dev/fd/N, /proc/self/fd/N, exe, cwd), which Python reopens or
 * reads from the host's /proc. */
static int box_path(int tid, const struct task *t, int dirfd, const char *path, char *out,
                    int *out_len)
{
    int n = rsc_box_path(tid, t->box_tgid, t->box_tid, dirfd, path, out);
    if (n < 0)
        return n;
    char own[64];
    snprintf(own, sizeof(own), "/proc/%ld/", t->box_tgid);
    if (starts_with_component(out, "/dev/fd") || strcmp(out, "/dev/stdin") == 0 ||
        strcmp(out, "/dev/stdout") == 0 || strcmp(out, "/dev/stderr") == 0 ||
        strncmp(out, own, strlen(own)) == 0)
        return RSC_FALLBACK;
    *out_len = n;
    return 0;
}

/* ---- the gofer (gofer/PROTOCOL.md, version 1) ------------------------------------- */

static void put(char **p, const void *data, size_t len)
{
    memcpy(*p, data, len);
    *p += len;
}

/* Lookups, remembered: builds and interpreters repeat them by the ten thousand (gcc's
 * failing readlinks name a few hundred paths; python stats each sys.path directory for
 * every import). Kept, per caller credentials and arguments:
 *  - failures that a change of the box's names can undo (ENOENT, ENOTDIR, and EINVAL from
 *    readlink of a non-link);
 *  - successful stat/statx, access and readlink answers (the struct or the link text).
 * Every change of names or attributes made by path goes through the gofer, and the sentry
 * forgets everything before any request that may make one (rsc_lookups_forget), except
 * for the commonest, a create (an open with O_CREAT, as compilers and archivers make by
 * the hundred), which can only undo some answers, each of which knows its scope:
 *  - a name found missing from a known directory (the gofer says which): forgotten when
 *    a name is created in that directory;
 *  - the stat of a directory (its size and times move), and any other ENOENT (a dangling
 *    symlink on the way, a directory the gofer cannot vouch for): forgotten at every
 *    create;
 *  - the rest, answers about names that exist (and ENOTDIR): a create adds a name, it
 *    changes none, so they stay.
 * A create whose directory the gofer cannot name (through a symlink) forgets everything.
 * Changes made through an fd are caught as follows. Size and times change through writable fds:
 * every inode the box opens for writing is marked, and a remembered stat of a marked
 * inode is never used (the mark stays while the box lives, since closes are not seen);
 * on an overlay, which may number a file anew when it copies it up, such an open of a
 * file it did not make forgets everything instead.
 * An unlink of a file that is neither a directory nor a symlink (gcc removes a temporary
 * file or two per compile) cannot undo answers about other names, since no path leads
 * through such a file: its inode is marked as if written (its stat and readlink answers,
 * which carry its identity, go), and the answers without an inode that a removal can undo
 * go with the removal generation (ENOTDIR through it, access and the checks), directory
 * stats with the create clock (rsc_lookups_note_removed; the gofer's reply names the
 * file). Any other removal forgets everything.
 * fchmod, fchown and the xattr calls are intercepted only to forget everything
 * (RSC_ATTRIBUTES_CHANGE). Not seen: changes made from outside the box (a host process
 * writing into a bind-mounted volume), and access times, which reads and directory
 * listings move without the sentry seeing them: a remembered stat shows the atime of
 * its first answer. Nothing is remembered under the trees Python names volatile
 * (rsc_lookups_never_remember): /proc, /sys, /dev, bind mounts and every mount that is
 * not a tmpfs, whose names the kernel or the host change without the box's calls. */
#define LOOKUP_SLOTS 8192
#define LOOKUP_PAYLOAD 256      /* struct statx; longer link texts are not kept */
#define WRITTEN_SLOTS 65536  /* 1.5 MB: a build may write tens of thousands of files */
#define WRITTEN_LIMIT (WRITTEN_SLOTS * 3 / 4)

enum create_scope {
    UNDONE_BY_NO_CREATE,
    UNDONE_BY_CREATE_IN_DIR,  /* in `dir` */
    UNDONE_BY_ANY_CREATE,
};

struct lookup_slot {
    uint64_t key_a, key_b;
    uint32_t generation;
    uint32_t removal_generation;  /* of an answer a removal can undo (0: none can) */
    uint32_t remembered_at;  /* create_clock then */
    uint8_t scope;           /* enum create_scope */
    struct inode_id dir;
    int32_t status;
    uint32_t payload_len;
    char payload[LOOKUP_PAYLOAD];
};

/* A value per inode (open addressing; its users keep it under 3/4 full). */
struct inode_entry {
    struct inode_id id;
    uint32_t value;  /* 0: a free entry */
};

/* `id`'s entry in `table` (`size` entries), or the free one it would take. */
static struct inode_entry *inode_entry(struct inode_entry *table, unsigned size,
                                       struct inode_id id)
{
    uint64_t h = (id.dev * 0x9E3779B97F4A7C15ULL) ^ (id.ino * 0xC2B2AE3D27D4EB4FULL);
    for (unsigned i = 0; i < size; i++) {
        struct inode_entry *entry = &table[(h + i) % size];
        if (!entry->value || (entry->id.dev == id.dev && entry->id.ino == id.ino))
            return entry;
    }
    return NULL;  /* unreachable below 3/4 full */
}

static struct lookup_slot lookups[LOOKUP_SLOTS];
static uint32_t lookup_generation = 1;
static uint32_t removal_generation = 1;
static struct inode_entry written[WRITTEN_SLOTS];  /* value 1: opened for writing */
static unsigned written_count;
static bool written_overflow;  /* too many to track: no stat or readlink answer is kept */

/* Creates, counted; and for each directory a name was created in, the count at its
 * last one (when too full, everything is forgotten and it starts over). */
#define CREATE_DIR_SLOTS 4096
#define CREATE_DIR_LIMIT (CREATE_DIR_SLOTS * 3 / 4)

static uint32_t create_clock;
static struct inode_entry create_dirs[CREATE_DIR_SLOTS];
static unsigned create_dir_count;

void rsc_lookups_forget(void)
{
    lookup_generation++;
}

/* The create clock at the last create in `dir` (0: none remembered). */
static uint32_t last_create_in(struct inode_id dir)
{
    struct inode_entry *entry = inode_entry(create_dirs, CREATE_DIR_SLOTS, dir);
    return entry ? entry->value : 0;
}

/* Forget everything and start the create clock over. */
static void restart_create_clock(void)
{
    rsc_lookups_forget();
    memset(create_dirs, 0, sizeof(create_dirs));
    create_dir_count = 0;
    create_clock = 1;
}

/* A change that moves directories' stats (a create, a removal); false when the clock
 * ran out and started over (everything forgotten). */
static bool tick_create_clock(void)
{
    if (++create_clock < UINT32_MAX)
        return true;
    restart_create_clock();
    return false;
}

/* A create succeeded: in directory `dir`, or where the gofer could not say (NULL). */
static void note_create(const struct inode_id *dir)
{
    if (!tick_create_clock())
        return;
    if (!dir || create_dir_count >= CREATE_DIR_LIMIT) {
        restart_create_clock();
        return;
    }
    struct inode_entry *entry = inode_entry(create_dirs, CREATE_DIR_SLOTS, *dir);
    if (!entry->value) {
        entry->id = *dir;
        create_dir_count++;
    }
    entry->value = create_clock;
}

#define VOLATILE_TREES 64
#define VOLATILE_PATH 512

static char volatile_trees[VOLATILE_TREES][VOLATILE_PATH];
static int volatile_count;
static bool remember_nothing;  /* "/" is volatile, or more trees than fit */

/* The memory's answers are found by a keyed hash (siphash.h) of what they depend on, under
 * a key chosen at random when the library is loaded: the box cannot compute which of its
 * paths would share a key with another caller's answer. Without a key, nothing is
 * remembered. */
static uint64_t lookup_key[2];

__attribute__((constructor)) static void choose_lookup_key(void)
{
    if (getrandom(lookup_key, sizeof(lookup_key), 0) != (ssize_t)sizeof(lookup_key))
        remember_nothing = true;
}

void rsc_lookups_never_remember(const char *tree)
{
    size_t len = strlen(tree);
    while (len > 1 && tree[len - 1] == '/')
        len--;
    if (volatile_count == VOLATILE_TREES || len >= VOLATILE_PATH || tree[0] != '/' ||
        len == 1) {
        remember_nothing = true;  /* "/" itself, or what does not fit */
        return;
    }
    memcpy(volatile_trees[volatile_count], tree, len);
    volatile_trees[volatile_count++][len] = 0;
}

static bool in_volatile_tree(const char *path)
{
    if (remember_nothing)
        return true;
    for (int i = 0; i < volatile_count; i++)
        if (starts_with_component(path, volatile_trees[i]))
            return true;
    return false;
}

static bool was_written(struct inode_id id)
{
    if (written_overflow)
        return true;
    struct inode_entry *entry = inode_entry(written, WRITTEN_SLOTS, id);
    return entry && entry->value;
}

/* Mark `id` as written (no stat or readlink answer of it is used again). */
static void mark_written(struct inode_id id)
{
    if (written_overflow)
        return;
    if (written_count >= WRITTEN_LIMIT) {
        written_overflow = true;
        return;
    }
    struct inode_entry *entry = inode_entry(written, WRITTEN_SLOTS, id);
    if (!entry->value) {
        entry->id = id;
        entry->value = 1;
        written_count++;
    }
}

void rsc_lookups_note_writer(int fd, int said)
{
    struct stat st;
    struct statfs fs;
    /* an overlay may number a file anew when it copies it up for writing (layers on two
     * filesystems without xino): its mark would then miss the stats remembered under its
     * number from before, so everything goes; the gofer says when (or, unsaid, maybe) */
    if (said < 0 ? fstatfs(fd, &fs) == 0 && fs.f_type == OVERLAYFS_SUPER_MAGIC :
                   (said & RSC_OPEN_RENUMBERED))
        rsc_lookups_forget();
    if (fstat(fd, &st) < 0) {
        written_overflow = true;
        return;
    }
    mark_written(identity_of(&st));
}

void rsc_lookups_note_removed(uint64_t dev, uint64_t ino)
{
    mark_written((struct inode_id){.dev = dev, .ino = ino});
    removal_generation++;
    if (removal_generation == 0)
        removal_generation = 1;
    tick_create_clock();  /* its directory's size and times moved, as at a create */
}

/* The inode a stat or statx answer describes; false if the answer does not say. */
static bool answered_inode(int op, const char *payload, size_t len, struct inode_id *id)
{
    if (op == OP_STAT && len == sizeof(struct stat)) {
        const struct stat *st = (const void *)payload;
        id->dev = (uint64_t)st->st_dev;
        id->ino = (uint64_t)st->st_ino;
        return true;
    }
    if (op == OP_STATX && len == sizeof(struct statx)) {
        const struct statx *stx = (const void *)payload;
        if (!(stx->stx_mask & STATX_INO))
            return false;
        id->dev = (uint64_t)makedev(stx->stx_dev_major, stx->stx_dev_minor);
        id->ino = stx->stx_ino;
        return true;
    }
    if (op == OP_READLINK && len >= sizeof(*id)) {  /* the text, then the name's own inode */
        memcpy(id, payload + len - sizeof(*id), sizeof(*id));
        return true;
    }
    return false;
}

/* Whether a remembered answer is about a particular inode, which it then names. */
static bool about_inode(int op, int status)
{
    return status == 0 || (op == OP_READLINK && status == -EINVAL);
}

static struct lookup_slot *lookup_slot(int op, bool real_ids, const struct task *t,
                                       const int64_t ints[4], const char *path, int path_len,
                                       uint64_t *key_a, uint64_t *key_b)
{
    /* everything the answer depends on, each part's length fixed or given first */
    struct {
        int32_t op, real_ids;
        uint32_t uid, gid;
        uint64_t cap_eff;
        int64_t ints[2];
        int32_t ngroups, path_len;
    } head = {op, real_ids, real_ids ? t->uid[0] : t->uid[3],
              real_ids ? t->gid[0] : t->gid[3], t->cap_eff, {ints[0], ints[1]}, t->ngroups,
              path_len};
    _Static_assert(sizeof(head) == 48, "no padding: every byte hashed is set");
    char material[sizeof(head) + sizeof(t->groups) + PATH_BYTES];
    size_t groups_len = 4 * (size_t)t->ngroups;
    memcpy(material, &head, sizeof(head));
    memcpy(material + sizeof(head), t->groups, groups_len);
    memcpy(material + sizeof(head) + groups_len, path, (size_t)path_len);
    uint64_t key[2];
    rsc_siphash128(lookup_key, material, sizeof(head) + groups_len + (size_t)path_len, key);
    *key_a = key[0];
    *key_b = key[1];
    return &lookups[key[0] % LOOKUP_SLOTS];
}

/* Whether this answer may be remembered (see above). */
static bool rememberable(int op, int status, const char *payload, size_t len)
{
    if (status == -ENOENT || status == -ENOTDIR)
        return true;
    if (len > LOOKUP_PAYLOAD || !about_inode(op, status))
        return false;
    if (op == OP_ACCESS || op == OP_CHECK_DIR || op == OP_CHECK_EXEC)
        return true;
    struct inode_id id;
    return answered_inode(op, payload, len, &id) && !was_written(id);
}

/* A remembered answer still true: a stat or readlink of an inode written or removed
 * since is not. */
static bool still_true(int op, const struct lookup_slot *slot)
{
    struct inode_id id;
    if (!about_inode(op, slot->status) ||
        !answered_inode(op, slot->payload, slot->payload_len, &id))
        return true;
    return !was_written(id);
}

/* A request in the protocol's encoding, into `msg`: its length. */
static size_t encode_request(char *msg, int op, const struct task *t, bool real_ids,
                             const int64_t ints[4], const char *path, int path_len)
{
    char *p = msg;
    uint32_t fsuid = real_ids ? t->uid[0] : t->uid[3];
    uint32_t fsgid = real_ids ? t->gid[0] : t->gid[3];
    uint64_t caps = real_ids ? (t->uid[0] == 0 ? t->cap_prm : 0) : t->cap_eff;
    uint8_t version = 1, op8 = (uint8_t)op, npaths = 1;
    uint16_t ngroups = (uint16_t)t->ngroups, plen = (uint16_t)path_len, blob = 0;
    put(&p, "RG", 2);
    put(&p, &version, 1);
    put(&p, &op8, 1);
    put(&p, &fsuid, 4);
    put(&p, &fsgid, 4);
    put(&p, &caps, 8);
    put(&p, &ngroups, 2);
    put(&p, t->groups, 4 * (size_t)t->ngroups);
    put(&p, ints, 32);
    put(&p, &npaths, 1);
    put(&p, &plen, 2);
    put(&p, path, (size_t)path_len);
    put(&p, &blob, 2);
    return (size_t)(p - msg);
}

#define REQUEST_BYTES (22 + 4 * MAX_GROUPS + 32 + 1 + 2 + PATH_BYTES + 2)
#define REPLY_HEAD 11

/* Send a request and take its reply into `reply` (`size` bytes, head included): the
 * gofer's status with the payload at reply + REPLY_HEAD (*payload_len bytes) and the fd
 * it sent (or -1) in *fd_out; RSC_FALLBACK when the gofer is gone or broke the protocol. */
static int exchange(struct rsc_gofer_link *g, const char *msg, size_t len, char *reply,
                    size_t size, uint32_t *payload_len, int *fd_out)
{
    int cpu = sched_getcpu();
    if (cpu >= 0 && cpu != g->cpu && g->pid > 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        if (sched_setaffinity(g->pid, sizeof(set), &set) == 0)
            g->cpu = cpu;
    }
    *fd_out = -1;
    /* a signal (the sentry's, or the watcher's) must not cut an exchange in two: its
     * reply would then be taken for the next request's */
    ssize_t sent;
    do
        sent = send(g->fd, msg, len, MSG_NOSIGNAL);
    while (sent < 0 && errno == EINTR);
    if (sent != (ssize_t)len)
        return RSC_FALLBACK;
    union { struct cmsghdr align; char buf[CMSG_SPACE(sizeof(int))]; } control;
    struct iovec iov = {.iov_base = reply, .iov_len = size};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                        .msg_controllen = sizeof(control.buf)};
    ssize_t n;
    do
        n = recvmsg(g->fd, &mh, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
            memcpy(fd_out, CMSG_DATA(c), sizeof(int));
    int32_t status;
    uint32_t length;
    if (n < REPLY_HEAD || memcmp(reply, "RG\1", 3) != 0 ||
        (mh.msg_flags & (MSG_CTRUNC | MSG_TRUNC)))
        goto broken;
    memcpy(&status, reply + 3, 4);
    memcpy(&length, reply + 7, 4);
    if (status > 0 || status < -4095 || (ssize_t)length != n - REPLY_HEAD)
        goto broken;
    *payload_len = length;
    return status;
broken:
    if (*fd_out >= 0)
        close(*fd_out);
    *fd_out = -1;
    return RSC_FALLBACK;
}

/* Which creates can undo an answer (see "Lookups, remembered"); `payload` of a failure
 * is the directory the gofer found the name missing from, when it could say. */
static void set_scope(struct lookup_slot *slot, int op, int status, const char *payload,
                      uint32_t len)
{
    slot->scope = UNDONE_BY_NO_CREATE;
    if (status == -ENOENT) {
        slot->scope = len == sizeof(slot->dir) ? UNDONE_BY_CREATE_IN_DIR : UNDONE_BY_ANY_CREATE;
        if (len == sizeof(slot->dir))
            memcpy(&slot->dir, payload, sizeof(slot->dir));
        return;
    }
    if (status != 0 || (op != OP_STAT && op != OP_STATX))
        return;
    /* a directory's own stat: its size and times move with every name made in it (and its
     * number is not one the gofer vouches for: see its identify()) */
    mode_t mode = 0;
    if (op == OP_STAT && len == sizeof(struct stat))
        mode = ((const struct stat *)(const void *)payload)->st_mode;
    const struct statx *stx = (const void *)payload;
    if (op == OP_STATX && len == sizeof(struct statx) && (stx->stx_mask & STATX_TYPE))
        mode = stx->stx_mode;
    if (!mode || S_ISDIR(mode))
        slot->scope = UNDONE_BY_ANY_CREATE;
}

static void remember(struct lookup_slot *slot, uint64_t key_a, uint64_t key_b, int op,
                     int status, const char *payload, uint32_t len)
{
    slot->key_a = key_a;
    slot->key_b = key_b;
    slot->generation = lookup_generation;
    bool checked = status == 0 && (op == OP_ACCESS || op == OP_CHECK_DIR || op == OP_CHECK_EXEC);
    slot->removal_generation = status == -ENOTDIR || checked ? removal_generation : 0;
    slot->remembered_at = create_clock;
    set_scope(slot, op, status, payload, len);
    slot->status = status;
    slot->payload_len = about_inode(op, status) ? len : 0;
    memcpy(slot->payload, payload, slot->payload_len);
}

/* Whether no change since `slot` was remembered can have undone it. */
static bool undisturbed(const struct lookup_slot *slot)
{
    if (slot->generation != lookup_generation ||
        (slot->removal_generation && slot->removal_generation != removal_generation))
        return false;
    switch (slot->scope) {
    case UNDONE_BY_CREATE_IN_DIR: return last_create_in(slot->dir) <= slot->remembered_at;
    case UNDONE_BY_ANY_CREATE: return create_clock == slot->remembered_at;
    default: return true;
    }
}

/* Walks: a program that reads a directory and then stats, lstats or readlinks each entry
 * (find, ls -l, tar, a compiler's or an interpreter's search paths) would make one gofer
 * request per entry. After LIST_AFTER_MISSES lookups of different names in one directory
 * missed memory and found their name there, the gofer lists it (OP_LIST: every entry's
 * lstat and link text, one request) and each entry is remembered as the lookups the
 * listing answers: its lstat, the stat of an entry that is no symlink (the same struct)
 * and its readlink (the text, or EINVAL). The rules of remembering are those above; the
 * listing is never taken to be complete, so a name missing from it is still asked for. */
#define LIST_AFTER_MISSES 3
#define LIST_PAYLOAD 131072  /* a LIST reply's bound (gofer/PROTOCOL.md) */

static struct {
    uint64_t key_a, key_b;  /* the directory and the caller's credentials */
    uint32_t generation;
    int misses;             /* -1: listed already in this generation */
} recent_dir;

static const int64_t no_ints[4] = {0};

static void remember_entry(int op, const struct task *t, const int64_t ints[4],
                           const char *path, int path_len, int status, const char *payload,
                           uint32_t len)
{
    uint64_t key_a, key_b;
    struct lookup_slot *slot = lookup_slot(op, false, t, ints, path, path_len, &key_a, &key_b);
    if (rememberable(op, status, payload, len))
        remember(slot, key_a, key_b, op, status, payload, len);
}

/* Remember what a LIST reply of the directory `dir` (dir_len bytes) says. */
static void remember_listing(const struct task *t, const char *dir, int dir_len,
                             const char *list, uint32_t len)
{
    static const int64_t nofollow[4] = {AT_SYMLINK_NOFOLLOW_VALUE, 0, 0, 0};
    char path[PATH_BYTES];
    int base = dir_len == 1 ? 0 : dir_len;  /* "/" + name, or dir + "/" + name */
    memcpy(path, dir, (size_t)base);
    path[base] = '/';
    for (uint32_t off = 0; off + 2 <= len;) {
        uint16_t name_len, link_len;
        struct stat st;
        memcpy(&name_len, list + off, 2);
        if ((size_t)off + 2 + name_len + sizeof(st) + 2 > len)
            return;
        const char *name = list + off + 2;
        memcpy(&st, name + name_len, sizeof(st));
        memcpy(&link_len, name + name_len + sizeof(st), 2);
        const char *link = name + name_len + sizeof(st) + 2;
        if ((size_t)(link - list) + link_len > len)
            return;
        off = (uint32_t)(link - list) + link_len;
        int path_len = base + 1 + name_len;
        if (name_len == 0 || path_len >= PATH_BYTES || memchr(name, '/', name_len) ||
            memchr(name, 0, name_len))
            continue;
        memcpy(path + base + 1, name, name_len);
        path[path_len] = 0;
        if (in_volatile_tree(path))
            continue;
        remember_entry(OP_STAT, t, nofollow, path, path_len, 0, (const char *)&st, sizeof(st));
        /* a readlink answer: the text (none for EINVAL), then the name's own identity */
        struct inode_id own = identity_of(&st);
        char answer[LOOKUP_PAYLOAD];
        bool link_fits = link_len + sizeof(own) <= sizeof(answer);
        if (S_ISLNK(st.st_mode) && link_fits) {
            memcpy(answer, link, link_len);
            memcpy(answer + link_len, &own, sizeof(own));
            remember_entry(OP_READLINK, t, no_ints, path, path_len, 0, answer,
                           link_len + (uint32_t)sizeof(own));
        } else if (!S_ISLNK(st.st_mode)) {
            remember_entry(OP_STAT, t, no_ints, path, path_len, 0, (const char *)&st, sizeof(st));
            remember_entry(OP_READLINK, t, no_ints, path, path_len, -EINVAL, (const char *)&own,
                           sizeof(own));
        }
    }
}

/* A lookup of `path`, a name that exists, missed memory: count it against its
 * directory, and list that directory at the LIST_AFTER_MISSES-th such miss there (names
 * found missing do not count: a search path probes directories for names they lack). */
static void note_miss(struct rsc_gofer_link *g, const struct task *t, const char *path,
                      int path_len)
{
    const char *slash = memrchr(path, '/', (size_t)path_len);
    if (!slash || slash[1] == 0)
        return;
    int dir_len = slash == path ? 1 : (int)(slash - path);
    uint64_t key_a, key_b;
    lookup_slot(OP_LIST, false, t, no_ints, path, dir_len, &key_a, &key_b);
    if (recent_dir.key_a != key_a || recent_dir.key_b != key_b ||
        recent_dir.generation != lookup_generation) {
        recent_dir.key_a = key_a;
        recent_dir.key_b = key_b;
        recent_dir.generation = lookup_generation;
        recent_dir.misses = 0;
    }
    if (recent_dir.misses < 0 || ++recent_dir.misses < LIST_AFTER_MISSES)
        return;
    recent_dir.misses = -1;
    static char msg[REQUEST_BYTES], reply[REPLY_HEAD + LIST_PAYLOAD];
    char dir[PATH_BYTES];
    memcpy(dir, path, (size_t)dir_len);
    dir[dir_len] = 0;
    size_t len = encode_request(msg, OP_LIST, t, false, no_ints, dir, dir_len);
    uint32_t list_len;
    int fd;
    if (exchange(g, msg, len, reply, sizeof(reply), &list_len, &fd) == 0)
        remember_listing(t, dir, dir_len, reply + REPLY_HEAD, list_len);
    if (fd >= 0)
        close(fd);
}

bool rsc_follows_last_link(int op, const int64_t ints[4])
{
    switch (op) {
    case OP_OPEN: return !(ints[0] & O_NOFOLLOW);
    case OP_STAT: case OP_STATX: return !(ints[0] & AT_SYMLINK_NOFOLLOW_VALUE);
    case OP_ACCESS: return !(ints[1] & AT_SYMLINK_NOFOLLOW_VALUE);
    case OP_READLINK: return false;
    default: return true;
    }
}

/* A lookup failed with ENOENT on the way (not for a name missing from a directory): if a
 * symlink led it into /proc/self or /proc/thread-self, which only the caller's own view
 * resolves, Python answers the call (it asks again for the caller's own entry). */
static bool led_into_own_proc(struct rsc_gofer_link *g, int op, const struct task *t,
                              bool real_ids, const char *path, int path_len,
                              const int64_t ints[4])
{
    int64_t expand[4] = {rsc_follows_last_link(op, ints), 0, 0, 0};
    char msg[REQUEST_BYTES], reply[REPLY_HEAD + PATH_BYTES];
    size_t len = encode_request(msg, OP_EXPAND, t, real_ids, expand, path, path_len);
    uint32_t length;
    int fd;
    int status = exchange(g, msg, len, reply, sizeof(reply), &length, &fd);
    if (fd >= 0)
        close(fd);
    return status == 0;
}

static struct lookup_slot *hit(struct lookup_slot *slot, int op, uint64_t key_a,
                               uint64_t key_b)
{
    return slot && slot->key_a == key_a && slot->key_b == key_b && undisturbed(slot) &&
           still_true(op, slot) ? slot : NULL;
}

int rsc_gofer_call(struct rsc_gofer_link *g, int op, const struct task *t, bool real_ids,
                   const char *path, int path_len, const int64_t ints[4], char *payload,
                   size_t *payload_len, int *fd_out)
{
    bool creates = op == OP_OPEN && ((ints[0] & O_CREAT) || (ints[0] & O_TMPFILE) == O_TMPFILE);
    uint64_t key_a = 0, key_b = 0;
    bool keep = !creates && !in_volatile_tree(path);
    struct lookup_slot *slot = keep ? lookup_slot(op, real_ids, t, ints, path, path_len, &key_a,
                                                  &key_b) : NULL;
    struct lookup_slot *known = hit(slot, op, key_a, key_b);
    if (known) {
        if (payload) {
            memcpy(payload, known->payload, known->payload_len);
            *payload_len = known->payload_len;
        }
        return known->status;
    }
    char msg[REQUEST_BYTES];
    size_t len = encode_request(msg, op, t, real_ids, ints, path, path_len);
    char reply[REPLY_HEAD + MAX_PAYLOAD];
    uint32_t length;
    int fd;
    int status = exchange(g, msg, len, reply, sizeof(reply), &length, &fd);
    if (creates) {
        /* whether a name was made and in which directory (PROTOCOL.md, "Where names
         * are"): nothing changed if it was there already; everything is forgotten if the
         * gofer cannot say, or the create failed (perhaps half-way) */
        struct inode_id dir;
        bool said = status == 0 && length >= 1;
        bool made = !said || (reply[REPLY_HEAD] & RSC_OPEN_MADE);
        bool known = said && made && length == 1 + sizeof(dir);
        if (known)
            memcpy(&dir, reply + REPLY_HEAD + 1, sizeof(dir));
        if (made)
            note_create(known ? &dir : NULL);
    }
    if (status == RSC_FALLBACK)
        return RSC_FALLBACK;
    if (status == -ENOENT && length == 0 &&
        led_into_own_proc(g, op, t, real_ids, path, path_len, ints))
        return RSC_FALLBACK;
    if (payload) {  /* a failure's payload is for the memory only */
        *payload_len = status == 0 ? length : 0;
        memcpy(payload, reply + REPLY_HEAD, *payload_len);
    }
    if (slot && rememberable(op, status, reply + REPLY_HEAD, length)) {
        remember(slot, key_a, key_b, op, status, reply + REPLY_HEAD, length);
        if ((op == OP_STAT || op == OP_READLINK) && (status == 0 || status == -EINVAL))
            note_miss(g, t, path, path_len);  /* a name that is there, looked up alone */
    }
    if (fd_out && status == 0)
        *fd_out = fd;
    else if (fd >= 0)
        close(fd);
    return status;
}

/* ---- the answers ---------------------------------------------------------------- */

static int write_ids(struct rsc_call *c, const uint32_t ids[4])
{
    for (int i = 0; i < 3; i++)
        if (vm_write(c->tid, c->args[i], &ids[i], 4) < 0)
            return c->ops->reply(c, 0, EFAULT);
    return c->ops->reply(c, 0, 0);
}

static int answer_identity(struct rsc_call *c, int kind)
{
    struct task t;
    int tid = c->tid;
    int cached = rsc_task_of(tid, &t);
    if (cached < 0 || (!cached && !c->ops->still_pending(c)))
        return c->ops->reply(c, 0, ESRCH);
    switch (kind) {
    case RSC_GETUID: return c->ops->reply(c, t.uid[0], 0);
    case RSC_GETEUID: return c->ops->reply(c, t.uid[1], 0);
    case RSC_GETGID: return c->ops->reply(c, t.gid[0], 0);
    case RSC_GETEGID: return c->ops->reply(c, t.gid[1], 0);
    case RSC_GETRESUID: return write_ids(c, t.uid);
    case RSC_GETRESGID: return write_ids(c, t.gid);
    default: break;
    }
    uint32_t size = (uint32_t)c->args[0];
    if (size == 0)
        return c->ops->reply(c, t.ngroups, 0);
    if ((size & 0x80000000u) || size < (uint32_t)t.ngroups)
        return c->ops->reply(c, 0, EINVAL);
    if (t.ngroups && vm_write(tid, c->args[1], t.groups, 4 * (size_t)t.ngroups) < 0)
        return c->ops->reply(c, 0, EFAULT);
    return c->ops->reply(c, t.ngroups, 0);
}

int rsc_prepare_path(struct rsc_call *c, int dirfd, uint64_t address, bool empty_path_ok,
                     struct rsc_path_call *pc)
{
    int tid = c->tid;
    char raw[PATH_BYTES];
    int len = read_cstring(tid, address, raw);
    if (len < 0)
        return len;
    if (len == 0 && empty_path_ok)
        return CONTINUE_CALL;
    int known = rsc_task_of(tid, &pc->task);
    if (known < 0)
        return -ESRCH;
    int r = box_path(tid, &pc->task, dirfd, raw, pc->path, &pc->path_len);
    if (r != 0)
        return r;
    /* The tid may name another task now, unless the credential cache's pidfd showed the
     * caller alive after its path was read, and an absolute path needed no other read
     * by tid (a relative one reads /proc/TID/cwd or fd/N after that check). */
    bool absolute = raw[0] == '/';
    if (!(known && absolute) && !c->ops->still_pending(c))
        return -ESRCH;
    return 0;
}

int rsc_end_early(struct rsc_call *c, int outcome)
{
    if (outcome == RSC_FALLBACK)
        return RSC_FALLBACK;
    if (outcome == CONTINUE_CALL)
        return c->ops->resume(c);
    return c->ops->reply(c, 0, -outcome);
}

/* open(path, flags, mode) or openat(dirfd, path, flags, mode): the caller's directory fd
 * (AT_FDCWD for open) into *dirfd, and its path, flags and mode as the returned args. */
static const uint64_t *open_args(const struct rsc_call *c, int kind, int *dirfd)
{
    *dirfd = kind == RSC_OPENAT ? (int)c->args[0] : AT_FDCWD_VALUE;
    return kind == RSC_OPENAT ? c->args + 1 : c->args;
}

int rsc_open_by_gofer(struct rsc_gofer_link *g, struct rsc_call *c, int kind, int *fd_out,
                      uint32_t *flags_out)
{
    int dirfd;
    const uint64_t *rest = open_args(c, kind, &dirfd);
    uint32_t flags = (uint32_t)rest[1], mode = (uint32_t)rest[2];
    if (flags & O_PATH || g->fd < 0)
        return RSC_FALLBACK;  /* no file to hand over: Python continues it after a check */
    struct rsc_path_call pc;
    int r = rsc_prepare_path(c, dirfd, rest[0], false, &pc);
    if (r != 0)
        return rsc_end_early(c, r);
    /* the mode only counts in a create (elsewhere it is whatever the register held, and
     * would make each failing open a new one to the memory of lookups) */
    bool creates = (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
    int64_t ints[4] = {flags, creates ? (mode & 07777) & ~pc.task.umask : 0, 0, 0};
    int fd = -1;
    char said[MAX_PAYLOAD];
    size_t said_len = 0;
    int status = rsc_gofer_call(g, OP_OPEN, &pc.task, false, pc.path, pc.path_len, ints, said,
                                &said_len, &fd);
    if (status == RSC_FALLBACK)
        return RSC_FALLBACK;
    if (status < 0 || fd < 0)
        return c->ops->reply(c, 0, status < 0 ? -status : EIO);
    if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
        rsc_lookups_note_writer(fd, said_len >= 1 ? (uint8_t)said[0] : -1);
    *fd_out = fd;
    *flags_out = flags;
    return RSC_OPENED;
}

static int answer_stat(struct rsc_gofer_link *g, struct rsc_call *c, int kind)
{
    const uint64_t *a = c->args;
    int dirfd = AT_FDCWD_VALUE, flags = 0;
    uint64_t path_arg = a[0], out = a[1];
    uint32_t mask = 0;
    switch (kind) {
    case RSC_LSTAT: flags = AT_SYMLINK_NOFOLLOW_VALUE; break;
    case RSC_NEWFSTATAT:
        dirfd = (int)a[0]; path_arg = a[1]; out = a[2]; flags = (int)a[3]; break;
    case RSC_STATX:
        dirfd = (int)a[0]; path_arg = a[1]; flags = (int)a[2]; mask = (uint32_t)a[3];
        out = a[4]; break;
    default: break;
    }
    struct rsc_path_call pc;
    int r = rsc_prepare_path(c, dirfd, path_arg, flags & AT_EMPTY_PATH_VALUE, &pc);
    if (r != 0)
        return rsc_end_early(c, r);
    char payload[MAX_PAYLOAD];
    size_t payload_len = 0;
    int64_t ints[4] = {flags & AT_SYMLINK_NOFOLLOW_VALUE, 0, 0, 0};
    int op = OP_STAT;
    if (kind == RSC_STATX) {
        op = OP_STATX;
        ints[0] = flags & ~AT_EMPTY_PATH_VALUE;
        ints[1] = mask;
    }
    int status = rsc_gofer_call(g, op, &pc.task, false, pc.path, pc.path_len, ints, payload,
                            &payload_len, NULL);
    if (status != 0)
        return rsc_end_early(c, status);
    if (vm_write(c->tid, out, payload, payload_len) < 0)
        return c->ops->reply(c, 0, EFAULT);
    return c->ops->reply(c, 0, 0);
}

static int answer_access(struct rsc_gofer_link *g, struct rsc_call *c, int kind)
{
    const uint64_t *a = c->args;
    int dirfd = AT_FDCWD_VALUE, flags = 0;
    uint64_t path_arg = a[0];
    uint32_t mode = (uint32_t)a[1];
    if (kind != RSC_ACCESS) {
        dirfd = (int)a[0]; path_arg = a[1]; mode = (uint32_t)a[2];
        flags = kind == RSC_FACCESSAT2 ? (int)a[3] : 0;
    }
    if ((mode & ~7u) || (flags & ~(AT_EACCESS_VALUE | AT_SYMLINK_NOFOLLOW_VALUE |
                                   AT_EMPTY_PATH_VALUE)))
        return c->ops->reply(c, 0, EINVAL);
    struct rsc_path_call pc;
    int r = rsc_prepare_path(c, dirfd, path_arg, flags & AT_EMPTY_PATH_VALUE, &pc);
    if (r != 0)
        return rsc_end_early(c, r);
    int64_t ints[4] = {mode, flags & AT_SYMLINK_NOFOLLOW_VALUE, 0, 0};
    int status = rsc_gofer_call(g, OP_ACCESS, &pc.task, !(flags & AT_EACCESS_VALUE), pc.path,
                            pc.path_len, ints, NULL, NULL, NULL);
    if (status == RSC_FALLBACK)
        return RSC_FALLBACK;
    return c->ops->reply(c, 0, -status);
}

static int answer_readlink(struct rsc_gofer_link *g, struct rsc_call *c, int kind)
{
    const uint64_t *a = c->args;
    int dirfd = kind == RSC_READLINKAT ? (int)a[0] : AT_FDCWD_VALUE;
    const uint64_t *rest = kind == RSC_READLINKAT ? a + 1 : a;
    int size = (int)rest[2];
    if (size <= 0)
        return c->ops->reply(c, 0, EINVAL);
    struct rsc_path_call pc;
    int r = rsc_prepare_path(c, dirfd, rest[0], false, &pc);
    if (r != 0)
        return rsc_end_early(c, r);
    char payload[MAX_PAYLOAD];
    size_t len = 0;
    int64_t ints[4] = {0, 0, 0, 0};
    int status = rsc_gofer_call(g, OP_READLINK, &pc.task, false, pc.path, pc.path_len, ints,
                            payload, &len, NULL);
    if (status != 0)
        return rsc_end_early(c, status);
    if (len < sizeof(struct inode_id))
        return RSC_FALLBACK;  /* no identity after the text: not the protocol */
    len -= sizeof(struct inode_id);
    if (len > (size_t)size)
        len = (size_t)size;
    if (vm_write(c->tid, rest[1], payload, len) < 0)
        return c->ops->reply(c, 0, EFAULT);
    return c->ops->reply(c, (int64_t)len, 0);
}

/* An open whose fd the loop cannot hand over (ptrace, a caller without a courier): one
 * that can only fail, because the name is missing, is answered here; any other goes to
 * Python, which opens it (and makes the courier). The gofer looks the name up without
 * opening it (a FIFO or a device must not be opened twice), as open would follow it (not
 * the last link with O_NOFOLLOW); ENOENT and ENOTDIR are what the open would say. Opens
 * that may create are never answered here. */
static int answer_missing_open(struct rsc_gofer_link *g, struct rsc_call *c, int kind)
{
    int dirfd;
    const uint64_t *rest = open_args(c, kind, &dirfd);
    uint32_t flags = (uint32_t)rest[1];
    if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE)
        return RSC_FALLBACK;
    struct rsc_path_call pc;
    if (rsc_prepare_path(c, dirfd, rest[0], false, &pc) != 0)
        return RSC_FALLBACK;  /* Python reads it again and answers every case */
    int64_t ints[4] = {(flags & O_NOFOLLOW) ? AT_SYMLINK_NOFOLLOW_VALUE : 0, 0, 0, 0};
    int status = rsc_gofer_call(g, OP_STAT, &pc.task, false, pc.path, pc.path_len, ints,
                                NULL, NULL, NULL);
    if (status == -ENOENT || status == -ENOTDIR)
        return c->ops->reply(c, 0, -status);
    return RSC_FALLBACK;
}

/* chdir and execve(at): the gofer checks the path (a directory the caller may search,
 * a regular file it may execute), then the kernel runs the call, re-resolving the path in
 * the box's mount namespace (see sentry/handlers/sys_exec.py for why that is safe). */
static int answer_check(struct rsc_gofer_link *g, struct rsc_call *c, int kind)
{
    const uint64_t *a = c->args;
    bool at = kind == RSC_EXECVEAT;
    bool empty_ok = at && (a[4] & AT_EMPTY_PATH_VALUE);  /* the fd is already open */
    struct rsc_path_call pc;
    int r = rsc_prepare_path(c, at ? (int)a[0] : AT_FDCWD_VALUE, at ? a[1] : a[0], empty_ok,
                         &pc);
    if (r != 0 && r != CONTINUE_CALL)
        return rsc_end_early(c, r);
    if (r == 0) {
        int64_t ints[4] = {0, 0, 0, 0};
        int status = rsc_gofer_call(g, kind == RSC_CHDIR ? OP_CHECK_DIR : OP_CHECK_EXEC,
                                    &pc.task, false, pc.path, pc.path_len, ints, NULL, NULL,
                                    NULL);
        if (status != 0)
            return rsc_end_early(c, status);
    }
    if (kind != RSC_CHDIR)
        rsc_task_exec_allowed(c->tid);
    return c->ops->resume(c);
}

int rsc_answer_call(struct rsc_gofer_link *g, const char *utsname, struct rsc_call *c,
                    int kind)
{
    switch (kind) {
    case RSC_GETUID: case RSC_GETEUID: case RSC_GETGID: case RSC_GETEGID:
    case RSC_GETRESUID: case RSC_GETRESGID: case RSC_GETGROUPS:
        return answer_identity(c, kind);
    case RSC_UNAME:
        if (vm_write(c->tid, c->args[0], utsname, RSC_UTSNAME_SIZE) < 0)
            return c->ops->reply(c, 0, EFAULT);
        return c->ops->reply(c, 0, 0);
    case RSC_CREDENTIALS_CHANGE:
        /* No decision rests on the arguments: the kernel applies them as made. Only the
         * number of groups is bounded: every gofer request carries its caller's groups,
         * at most MAX_GROUPS of them, which makes that the box's NGROUPS_MAX. */
        if (c->nr == SYS_setgroups && (uint32_t)c->args[0] > MAX_GROUPS)
            return c->ops->reply(c, 0, EINVAL);
        rsc_task_forget(c->tid);
        return c->ops->resume(c);
    case RSC_UTIMENSAT:
        if (c->args[1])
            return RSC_FALLBACK;  /* a path: the gofer changes it (Python) */
        /* fall through: utimensat(fd, NULL, times) changes the fd's file, as futimens */
    case RSC_ATTRIBUTES_CHANGE:
        /* fchmod, fchown, xattrs: the kernel applies them as made; remembered stat and
         * access answers may no longer hold. */
        rsc_lookups_forget();
        return c->ops->resume(c);
    default:
        break;
    }
    if (g->fd < 0)
        return RSC_FALLBACK;
    switch (kind) {
    case RSC_STAT: case RSC_LSTAT: case RSC_NEWFSTATAT: case RSC_STATX:
        return answer_stat(g, c, kind);
    case RSC_ACCESS: case RSC_FACCESSAT: case RSC_FACCESSAT2:
        return answer_access(g, c, kind);
    case RSC_READLINK: case RSC_READLINKAT:
        return answer_readlink(g, c, kind);
    case RSC_CHDIR: case RSC_EXECVE: case RSC_EXECVEAT:
        return answer_check(g, c, kind);
    case RSC_OPEN: case RSC_OPENAT:
        return answer_missing_open(g, c, kind);
    default:
        return RSC_FALLBACK;
    }
}
