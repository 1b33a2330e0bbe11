/* The seccomp-notify floor: a bare C supervisor that answers getppid and does nothing
 * else, so the sandbox's emulated call can be compared with the kernel round trip it is
 * built on, measured in the same run.
 *
 *   floor_seccomp ITERATIONS ROUNDS SYNC
 *
 * A forked child installs a raw BPF filter (getppid -> SECCOMP_RET_USER_NOTIF, all else
 * ALLOW) with SECCOMP_FILTER_FLAG_NEW_LISTENER and sends the listener fd to the parent
 * over a socketpair. With SYNC=1 the parent sets SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
 * (Linux 6.6; Debian 12's headers lack it: ioctl 0x40082104, the flag passed by value).
 * The parent answers exactly (ROUNDS + 1) * ITERATIONS notifications with the value 42
 * (one warm-up round), the child checks each answer, times each round with
 * clock_gettime and prints one line per round: nanoseconds per call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS 0x40082104
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP 1
#endif

#define ANSWER 42

static int install_filter(void)
{
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof code / sizeof code[0], .filter = code};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        die("PR_SET_NO_NEW_PRIVS");
    int fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                          SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
    if (fd < 0)
        die("seccomp(NEW_LISTENER)");
    return fd;
}

static void send_fd(int sock, int fd)
{
    char byte = 0;
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof u);
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1,
                         .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    if (sendmsg(sock, &msg, 0) != 1)
        die("sendmsg");
}

static int recv_fd(int sock)
{
    char byte;
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1,
                         .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    if (recvmsg(sock, &msg, 0) != 1)
        die("recvmsg");
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (!c || c->cmsg_type != SCM_RIGHTS)
        die("no fd received");
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    return fd;
}

static void child(int sock, uint64_t iterations, int rounds)
{
    int fd = install_filter();
    send_fd(sock, fd);
    close(fd);
    close(sock);
    for (int r = -1; r < rounds; r++) { /* round -1 warms up */
        uint64_t t0 = now_ns();
        for (uint64_t i = 0; i < iterations; i++)
            if (syscall(SYS_getppid) != ANSWER) {
                fprintf(stderr, "getppid was not answered by the supervisor\n");
                _exit(3);
            }
        uint64_t dt = now_ns() - t0;
        if (r >= 0) {
            printf("%.1f\n", (double)dt / (double)iterations);
            fflush(stdout);
        }
    }
    _exit(0);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s ITERATIONS ROUNDS SYNC\n", argv[0]);
        return 2;
    }
    uint64_t iterations = strtoull(argv[1], NULL, 10);
    int rounds = atoi(argv[2]);
    int sync = atoi(argv[3]);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        die("socketpair");
    alarm(120); /* never hang the benchmark if a count goes wrong */
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        close(sv[0]);
        child(sv[1], iterations, rounds);
    }
    close(sv[1]);
    int fd = recv_fd(sv[0]);
    close(sv[0]);
    if (sync && ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS,
                      (unsigned long)SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) != 0)
        die("SECCOMP_IOCTL_NOTIF_SET_FLAGS(SYNC_WAKE_UP)");

    struct seccomp_notif req;
    struct seccomp_notif_resp resp;
    uint64_t total = (uint64_t)(rounds + 1) * iterations;
    for (uint64_t i = 0; i < total; i++) {
        memset(&req, 0, sizeof req); /* the kernel rejects a dirty buffer with EINVAL */
        if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) {
            if (errno == EINTR) {
                i--;
                continue;
            }
            die("SECCOMP_IOCTL_NOTIF_RECV");
        }
        resp.id = req.id;
        resp.val = ANSWER;
        resp.error = 0;
        resp.flags = 0;
        if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) != 0)
            die("SECCOMP_IOCTL_NOTIF_SEND");
    }
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "floor child failed (status %d)\n", status);
        return 1;
    }
    return 0;
}
