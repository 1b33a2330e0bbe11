/* See native.h. Kept free of policy: decisions live in the Python sentry and the table. */
#define _GNU_SOURCE
#include "native.h"

#include <errno.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <sched.h>
#include <seccomp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <fcntl.h>
#include <time.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#define RET(expr) return (expr) < 0 ? -errno : 0

int rsc_notif_recv(int fd, struct seccomp_notif *req)
{
    /* The kernel rejects a non-zeroed buffer with EINVAL. */
    memset(req, 0, sizeof(*req));
    RET(ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req));
}

int rsc_notif_respond(int fd, uint64_t id, int64_t val, int32_t error, uint32_t flags)
{
    struct seccomp_notif_resp resp = {.id = id, .val = val, .error = error, .flags = flags};
    RET(ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp));
}

int rsc_notif_id_valid(int fd, uint64_t id)
{
    RET(ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id));
}

int rsc_notif_addfd(int fd, uint64_t id, int srcfd, uint32_t newfd, uint32_t newfd_flags,
                    uint32_t flags)
{
    struct seccomp_notif_addfd addfd = {
        .id = id, .flags = flags, .srcfd = (uint32_t)srcfd, .newfd = newfd,
        .newfd_flags = newfd_flags};
    int ret;
    do  /* interrupted by a signal, the fd was not installed: again */
        ret = ioctl(fd, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);
    while (ret < 0 && errno == EINTR);
    return ret < 0 ? -errno : ret;
}

int rsc_notif_set_sync_wakeup(int fd)
{
    RET(ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, (unsigned long)SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP));
}

int rsc_unshare(int flags) { RET(unshare(flags)); }

int rsc_setns(int fd, int nstype) { RET(setns(fd, nstype)); }

int rsc_mount(const char *source, const char *target, const char *fstype,
              unsigned long flags, const char *data)
{
    RET(mount(source, target, fstype, flags, data));
}

int rsc_umount2(const char *target, int flags) { RET(umount2(target, flags)); }

int rsc_pivot_root(const char *new_root, const char *put_old)
{
    RET(syscall(SYS_pivot_root, new_root, put_old));
}

int rsc_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4,
              unsigned long a5)
{
    int ret = prctl(option, a2, a3, a4, a5);
    return ret < 0 ? -errno : ret;
}

int rsc_capset(uint64_t effective, uint64_t permitted, uint64_t inheritable)
{
    struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2] = {
        {.effective = (uint32_t)effective, .permitted = (uint32_t)permitted,
         .inheritable = (uint32_t)inheritable},
        {.effective = (uint32_t)(effective >> 32), .permitted = (uint32_t)(permitted >> 32),
         .inheritable = (uint32_t)(inheritable >> 32)},
    };
    RET(syscall(SYS_capset, &header, data));
}

int rsc_openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve)
{
    struct open_how how = {.flags = flags, .mode = mode, .resolve = resolve};
    long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
    return fd < 0 ? -errno : (int)fd;
}

int64_t rsc_vm_read(int pid, uint64_t remote, void *buf, uint64_t len)
{
    struct iovec local_iov = {.iov_base = buf, .iov_len = len};
    struct iovec remote_iov = {.iov_base = (void *)(uintptr_t)remote, .iov_len = len};
    ssize_t n = process_vm_readv(pid, &local_iov, 1, &remote_iov, 1, 0);
    return n < 0 ? -errno : n;
}

int64_t rsc_vm_write(int pid, uint64_t remote, const void *buf, uint64_t len)
{
    struct iovec local_iov = {.iov_base = (void *)buf, .iov_len = len};
    struct iovec remote_iov = {.iov_base = (void *)(uintptr_t)remote, .iov_len = len};
    ssize_t n = process_vm_writev(pid, &local_iov, 1, &remote_iov, 1, 0);
    return n < 0 ? -errno : n;
}

int rsc_fstatat_raw(int dirfd, const char *path, int flags, void *buf144)
{
    RET(syscall(SYS_newfstatat, dirfd, path, buf144, flags));
}

int rsc_statx_raw(int dirfd, const char *path, int flags, unsigned int mask, void *buf256)
{
    RET(syscall(SYS_statx, dirfd, path, flags, mask, buf256));
}

int rsc_fstatfs_raw(int fd, void *buf120) { RET(syscall(SYS_fstatfs, fd, buf120)); }

int rsc_utimensat(int dirfd, const char *path, const int64_t *times4, int flags)
{
    struct timespec ts[2];
    if (times4) {
        ts[0].tv_sec = times4[0]; ts[0].tv_nsec = times4[1];
        ts[1].tv_sec = times4[2]; ts[1].tv_nsec = times4[3];
    }
    RET(syscall(SYS_utimensat, dirfd, path, times4 ? ts : NULL, flags));
}

int rsc_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
                  unsigned int flags)
{
    RET(syscall(SYS_renameat2, olddirfd, oldpath, newdirfd, newpath, flags));
}

int rsc_faccessat2(int dirfd, const char *path, int mode, int flags)
{
    RET(syscall(SYS_faccessat2, dirfd, path, mode, flags));
}

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
int rsc_fchmodat2(int dirfd, const char *path, unsigned int mode, int flags)
{
    RET(syscall(SYS_fchmodat2, dirfd, path, mode, flags));
}

#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
int rsc_pidfd_getfd(int pidfd, int targetfd)
{
    long fd = syscall(SYS_pidfd_getfd, pidfd, targetfd, 0);
    return fd < 0 ? -errno : (int)fd;
}

int rsc_thread_pidfd(int tid)
{
    long fd = syscall(SYS_pidfd_open, tid, O_EXCL);  /* O_EXCL is PIDFD_THREAD */
    return fd < 0 ? -errno : (int)fd;
}

ssize_t rsc_send_with_fd(int sock, const struct iovec *iov, int iovcnt, int fd, int flags)
{
    union { struct cmsghdr align; char buf[CMSG_SPACE(sizeof(int))]; } control;
    memset(&control, 0, sizeof(control));
    struct msghdr mh = {.msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt};
    if (fd >= 0) {
        mh.msg_control = control.buf;
        mh.msg_controllen = sizeof(control.buf);
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    ssize_t n = sendmsg(sock, &mh, flags);
    return n < 0 ? -errno : n;
}

uint32_t rsc_act_errno(uint32_t errno_value) { return SCMP_ACT_ERRNO(errno_value); }

uint32_t rsc_act_trace(uint32_t data) { return SCMP_ACT_TRACE(data); }
