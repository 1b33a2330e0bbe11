/* runsc-py native helpers: the syscalls Python 3.11 lacks and the seccomp
 * user-notification ioctls. Every helper returns -errno on failure so callers never
 * race on a global errno. */
#ifndef RUNSC_NATIVE_H
#define RUNSC_NATIVE_H

#include <stdint.h>
#include <sys/types.h>
#include <linux/seccomp.h>

/* Linux 6.6; Debian 12's headers predate it. The flag is passed by value. */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS 0x40082104
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP 1
#endif

int rsc_notif_recv(int fd, struct seccomp_notif *req);
int rsc_notif_respond(int fd, uint64_t id, int64_t val, int32_t error, uint32_t flags);
int rsc_notif_id_valid(int fd, uint64_t id);
int rsc_notif_addfd(int fd, uint64_t id, int srcfd, uint32_t newfd, uint32_t newfd_flags,
                    uint32_t flags);
int rsc_notif_set_sync_wakeup(int fd);

int rsc_unshare(int flags);
int rsc_setns(int fd, int nstype);
int rsc_mount(const char *source, const char *target, const char *fstype,
              unsigned long flags, const char *data);
int rsc_umount2(const char *target, int flags);
int rsc_pivot_root(const char *new_root, const char *put_old);
int rsc_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4,
              unsigned long a5);
int rsc_capset(uint64_t effective, uint64_t permitted, uint64_t inheritable);
int rsc_openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode,
                uint64_t resolve);
int64_t rsc_vm_read(int pid, uint64_t remote, void *buf, uint64_t len);
int64_t rsc_vm_write(int pid, uint64_t remote, const void *buf, uint64_t len);
/* File operations the gofer needs with raw kernel structs (struct stat, statx, statfs are
 * copied byte for byte into the workload, so the sentry never re-encodes them). */
int rsc_fstatat_raw(int dirfd, const char *path, int flags, void *buf144);
int rsc_statx_raw(int dirfd, const char *path, int flags, unsigned int mask, void *buf256);
int rsc_fstatfs_raw(int fd, void *buf120);
int rsc_utimensat(int dirfd, const char *path, const int64_t *times4, int flags);
int rsc_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
                  unsigned int flags);
int rsc_faccessat2(int dirfd, const char *path, int mode, int flags);
int rsc_fchmodat2(int dirfd, const char *path, unsigned int mode, int flags);
int rsc_pidfd_getfd(int pidfd, int targetfd);
/* A pidfd of the thread `tid` (pidfd_open with PIDFD_THREAD, Linux 6.9), or -errno. */
int rsc_thread_pidfd(int tid);
/* sendmsg of `iov` with `fd` (none if < 0) as SCM_RIGHTS: the bytes sent, or -errno. */
struct iovec;
ssize_t rsc_send_with_fd(int sock, const struct iovec *iov, int iovcnt, int fd, int flags);
uint32_t rsc_act_errno(uint32_t errno_value);
uint32_t rsc_act_trace(uint32_t data);

#endif
