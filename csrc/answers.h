/* The answers both C loops give: identity, uname, credential and attribute changes, and
 * the path calls the gofer answers (stat, access, readlink, and the checks before chdir
 * and execve), with the lookups they remember. Each loop hands a call over as a
 * struct rsc_call carrying its own way of answering (fastpath.c: a seccomp notification;
 * ptrace_fast.c: a seccomp stop), so every answer is written once. */
#ifndef RUNSC_ANSWERS_H
#define RUNSC_ANSWERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "task_cache.h"

#define RSC_FALLBACK 1        /* not answered here: Python takes the call */
#define RSC_UTSNAME_SIZE 390  /* struct new_utsname */
#define PATH_BYTES 4096
#define MAX_PAYLOAD 8192  /* a gofer reply's payload (LIST's aside): every buffer for one */

/* What the table's fast_path calls are answered as (set by Python from the table). */
enum rsc_kind {
    RSC_PYTHON = 0,
    RSC_GETUID, RSC_GETEUID, RSC_GETGID, RSC_GETEGID,
    RSC_GETRESUID, RSC_GETRESGID, RSC_GETGROUPS, RSC_UNAME,
    RSC_STAT, RSC_LSTAT, RSC_NEWFSTATAT, RSC_STATX,
    RSC_ACCESS, RSC_FACCESSAT, RSC_FACCESSAT2,
    RSC_READLINK, RSC_READLINKAT, RSC_OPEN, RSC_OPENAT,
    RSC_CREDENTIALS_CHANGE,  /* set*id, capset, umask: forget the cached creds, continue */
    RSC_ATTRIBUTES_CHANGE,   /* fchmod, fchown, xattrs: forget remembered lookups, continue */
    RSC_CHDIR, RSC_EXECVE, RSC_EXECVEAT,  /* checked by the gofer, then continued */
    RSC_UTIMENSAT,           /* its fd form (NULL path) as RSC_ATTRIBUTES_CHANGE */
};

enum gofer_op { OP_OPEN = 1, OP_STAT = 2, OP_STATX = 3, OP_ACCESS = 4, OP_READLINK = 5,
                OP_CHECK_DIR = 17, OP_CHECK_EXEC = 18, OP_LIST = 21,
                OP_EXPAND = 22 };

struct rsc_call;

struct rsc_call_ops {
    /* Answer with `value`, or with `error` (a positive errno) if it is not 0; returns 0,
     * or -errno when the loop itself failed. */
    int (*reply)(struct rsc_call *c, int64_t value, int error);
    /* Let the kernel run the call as the caller made it. */
    int (*resume)(struct rsc_call *c);
    /* Whether `tid` still names the caller, waiting in this call. */
    bool (*still_pending)(struct rsc_call *c);
};

struct rsc_call {
    int tid;
    uint32_t nr;
    uint64_t args[6];
    const struct rsc_call_ops *ops;
    void *loop;  /* the loop's own state, for `ops` */
};

struct rsc_gofer_link {
    int fd;   /* SEQPACKET to the gofer, or -1 */
    int pid;  /* kept on the sentry's CPU: a cross-CPU wakeup costs more than the whole
                 request on this kind of machine */
    int cpu;
};

/* Answer `c` as `kind`: 0, -errno if the loop failed, or RSC_FALLBACK for Python. */
int rsc_answer_call(struct rsc_gofer_link *g, const char *utsname, struct rsc_call *c,
                    int kind);

/* The box path of the caller's cwd (AT_FDCWD) or of its fd `dirfd`, read from /proc
 * (for a task in another mount namespace the kernel prints paths from that namespace's
 * root), into `out` (PATH_BYTES): its length, or -errno. */
int rsc_dir_path(int tid, int dirfd, char *out);

/* `path` made box-absolute against the caller's cwd or `dirfd`, with /proc/self,
 * /proc/thread-self, /proc/net and /proc/mounts turned into the caller's own entries
 * (box_tgid, box_tid: its ids in the box), into `out` (PATH_BYTES): its length, or -errno.
 * Python's path calls use it too (sentry/handlers/paths.py). */
int rsc_box_path(int tid, long box_tgid, long box_tid, int dirfd, const char *path, char *out);

/* Whether a gofer lookup `op` with `ints` follows its path's last symlink (PROTOCOL.md,
 * EXPAND); Python's EXPAND asks it too (sentry/handlers/paths.py). */
bool rsc_follows_last_link(int op, const int64_t ints[4]);

/* ---- the pieces the seccomp loop's open (which installs fds) is built from ---------- */

struct rsc_path_call {
    struct task task;
    char path[PATH_BYTES];
    int path_len;
};

/* Read the caller and its path, made box-absolute: 0, or an outcome for rsc_end_early. */
int rsc_prepare_path(struct rsc_call *c, int dirfd, uint64_t address, bool empty_path_ok,
                     struct rsc_path_call *pc);

/* An outcome that ends the call before its answer: RSC_FALLBACK (Python takes it), an fd
 * form to continue, or -errno to answer with. */
int rsc_end_early(struct rsc_call *c, int outcome);

/* One gofer request/reply, or its remembered answer: the gofer's status (0 or -errno), or
 * RSC_FALLBACK when the gofer is unreachable or broke the protocol (Python then sees it
 * and ends the box). */
int rsc_gofer_call(struct rsc_gofer_link *g, int op, const struct task *t, bool real_ids,
                   const char *path, int path_len, const int64_t ints[4], char *payload,
                   size_t *payload_len, int *fd_out);

/* The gofer's half of an open answered in C (the loop then hands the fd to the caller):
 * RSC_OPENED with the opened fd in *fd_out and the call's flags in *flags_out; else the
 * call is answered already (its failure: 0, or -errno if the loop failed) or is Python's
 * (RSC_FALLBACK: O_PATH, a name Python resolves, no gofer). */
#define RSC_OPENED 2
int rsc_open_by_gofer(struct rsc_gofer_link *g, struct rsc_call *c, int kind, int *fd_out,
                      uint32_t *flags_out);

/* Forget every remembered lookup: called before any request that may change the box's
 * names or attributes (remove, rename, link, chmod..., and the creates Python makes; the
 * C half's own creates forget only what they can change). */
void rsc_lookups_forget(void);

/* What the gofer's reply to an open that may write says it did (PROTOCOL.md). */
enum { RSC_OPEN_MADE = 1, RSC_OPEN_RENUMBERED = 2 };

/* `fd` was opened for writing; `said`: the reply's first byte, or -1 if it had none. Never
 * answer a stat of its inode from memory again; if the open gave the file another number
 * (maybe, when unsaid on an overlay), forget everything. */
void rsc_lookups_note_writer(int fd, int said);

/* An unlink removed a file that is neither a directory nor a symlink, inode `dev`/`ino`:
 * no path leads through such a file, so only what its removal can undo is forgotten
 * (answers about that inode, its directory's stat, ENOTDIR through it, access and the
 * checks). Other removals forget everything (rsc_lookups_forget). */
void rsc_lookups_note_removed(uint64_t dev, uint64_t ino);

/* Remember nothing at or under the box path `tree`: names there change without the box's
 * calls (the kernel's trees, bind mounts of host directories). */
void rsc_lookups_never_remember(const char *tree);

#endif
