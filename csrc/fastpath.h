/* The C fast path of the seccomp platform: a loop that receives notifications and
 * answers the hot, simple calls (identity, uname, and the lookups that dominate builds:
 * stat, access, readlink, open through the gofer) without entering Python. Any other
 * call, or any case needing judgment, is handed back to the Python sentry unanswered.
 * Which calls are answered here is set by Python from the syscall table. */
#ifndef RUNSC_FASTPATH_H
#define RUNSC_FASTPATH_H

#include <stdint.h>
#include <linux/seccomp.h>

#include "tally.h"

#define RSC_MAX_NR 512

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
};

/* rsc_serve results */
enum rsc_serve_result {
    RSC_EVENT = 1,   /* `req` holds a call for Python */
    RSC_WAKE = 2,    /* a watched fd is readable, a signal arrived, or the timeout passed */
    RSC_HUP = 3,     /* no task uses the filter any more */
    RSC_DRAIN = 4,   /* the tally is nearly full: Python takes it, then calls again */
};

struct rsc_fastpath {
    int notify_fd;
    int gofer_fd;                 /* SEQPACKET to the gofer, or -1 */
    int gofer_pid;                /* kept on the sentry's CPU: a cross-CPU wakeup costs more
                                     than the whole request on this kind of machine */
    int gofer_cpu;
    uint8_t kind[RSC_MAX_NR];     /* enum rsc_kind per syscall number */
    char utsname[390];            /* struct new_utsname as uname answers it */
    struct rsc_tally answered;    /* Python takes the counts (sentry/platform/fastpath.py) */
};

/* Forget every remembered lookup: called before any request that may change the box's
 * names or attributes (create, remove, rename, link, chmod...). */
void rsc_lookups_forget(void);

/* `fd` was opened for writing: never answer a stat of its inode from memory again. */
void rsc_lookups_note_writer(int fd);

int rsc_serve(struct rsc_fastpath *f, const int *watch, int nwatch, int timeout_ms,
              struct seccomp_notif *req);

#endif
