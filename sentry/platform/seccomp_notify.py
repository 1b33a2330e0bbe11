"""The seccomp user-notification platform (`--platform=seccomp`, the default).

The workload loads a filter whose emulate/gofer calls return SECCOMP_RET_USER_NOTIF and
sends the listener fd to the sentry over a socketpair before it execs. The sentry
receives each call with SECCOMP_IOCTL_NOTIF_RECV and answers with a value, an errno, or
an fd installed by SECCOMP_IOCTL_NOTIF_ADDFD with SECCOMP_ADDFD_FLAG_SEND (atomically
installs the fd and returns its number as the call's result). CONTINUE lets the kernel
re-read arguments the workload can change after the sentry looked, so a handler asks for
it only where no decision rests on that memory (Response.continue_call says why).
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import socket
from collections.abc import Sequence

from sentry.log import Logger
from sentry.native import check, ffi, lib
from sentry.platform.base import FastAnswers, Platform, Response, SyscallEvent
from sentry.platform.fastpath import FastPath
from sentry.seccomp_filter import SeccompFilter, intercept_notify
from syscall_tables import SyscallTable

log = Logger(__name__)
LISTENER_LINK = "anon_inode:seccomp notify"
LISTENER_POLL_SECONDS = 0.001


def find_listener(pid: int) -> int | None:
    """The fd number of `pid`'s seccomp listener, if it has loaded its filter yet."""
    fd_dir = f"/proc/{pid}/fd"
    try:
        names = os.listdir(fd_dir)
    except OSError:  # exiting: the caller learns it from the channel's EOF
        return None
    for name in names:
        with contextlib.suppress(OSError):  # closed while we looked
            if os.readlink(f"{fd_dir}/{name}") == LISTENER_LINK:
                return int(name)
    return None


def take_listener(channel: socket.socket, pid: int) -> int:
    """Copy the workload's listener fd with pidfd_getfd(2) once its filter is loaded.

    Under --coverage=full the workload cannot send the fd: sendmsg would itself be
    intercepted and wait for the sentry that has not got the fd yet. So the sentry looks
    for it in /proc/PID/fd (setup only, a few ms); the workload's calls meanwhile wait in
    the kernel. EOF on `channel` means the workload died before loading the filter."""
    pidfd = os.pidfd_open(pid)
    try:
        while True:
            target = find_listener(pid)
            if target is not None:
                return check(lib.rsc_pidfd_getfd(pidfd, target), "pidfd_getfd")
            readable, _, _ = select.select([channel], [], [], LISTENER_POLL_SECONDS)
            if readable and not channel.recv(1, socket.MSG_PEEK):
                raise ConnectionError("workload ended before loading its filter")
    finally:
        os.close(pidfd)


class SeccompNotifyPlatform(Platform):
    name = "seccomp"

    def __init__(self) -> None:
        self.notify_fd = -1
        self._request = ffi.new("struct seccomp_notif *")
        self.sync_wake_up = False
        self.fast: FastPath | None = None

    def intercept_action(self) -> int:
        return intercept_notify()

    def load_filter_in_workload(self, channel: socket.socket, seccomp: SeccompFilter) -> None:
        seccomp.load()
        notify_fd = seccomp.notify_fd()
        if not self.intercept_all:  # else the sentry takes the fd itself (take_listener)
            socket.send_fds(channel, [b"N"], [notify_fd])
        os.close(notify_fd)

    def attach(self, channel: socket.socket, workload_pid: int) -> None:
        if self.intercept_all:
            self.notify_fd = take_listener(channel, workload_pid)
        else:
            _, fds, _, _ = socket.recv_fds(channel, 1, 1)
            if not fds:
                raise ConnectionError("workload ended before handing over its notify fd")
            self.notify_fd = fds[0]
        os.set_blocking(self.notify_fd, True)
        # Linux 6.6: wake the sentry on the caller's CPU; measured 40 us -> 5 us per call.
        self.sync_wake_up = lib.rsc_notif_set_sync_wakeup(self.notify_fd) == 0
        log.debug("SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP: %s", self.sync_wake_up)

    def fileno(self) -> int:
        return self.notify_fd

    def enable_fast_path(self, table: SyscallTable, utsname: bytes, gofer_fd: int,
                         gofer_pid: int) -> bool:
        self.fast = FastPath(self.notify_fd, gofer_fd, gofer_pid, table, utsname)
        log.debug("fast path: blocks in RECV, a watcher thread interrupts it: %s",
                  self.fast.watching)
        return True

    def serve(self, watch: Sequence[int], timeout_ms: int) -> SyscallEvent | None:
        if self.fast is None:
            return self.receive()
        result = self.fast.serve(watch, timeout_ms, self._request)
        if result < 0:
            raise OSError(-result, "fast path")
        return self._event() if result == lib.RSC_EVENT else None

    def drain_fast_answers(self) -> list[FastAnswers]:
        return self.fast.drain() if self.fast is not None else []

    def receive(self) -> SyscallEvent | None:
        ret = lib.rsc_notif_recv(self.notify_fd, self._request)
        if ret in (-errno.ENOENT, -errno.EINTR):  # caller died / signal before we read it
            return None
        if ret < 0:
            raise OSError(-ret, "SECCOMP_IOCTL_NOTIF_RECV")
        return self._event()

    def _event(self) -> SyscallEvent:
        req = self._request
        data = req.data
        return SyscallEvent(token=req.id, tid=req.pid, nr=data.nr, arch=data.arch,
                            args=tuple(data.args))  # type: ignore[arg-type]

    def respond(self, event: SyscallEvent, response: Response) -> int | None:
        if response.install_fd is not None:
            ret = lib.rsc_notif_addfd(self.notify_fd, event.token, response.install_fd, 0,
                                      response.install_fd_flags, lib.SECCOMP_ADDFD_FLAG_SEND)
            os.close(response.install_fd)
            if ret < 0 and ret != -errno.ENOENT:  # e.g. EMFILE: the caller gets the error
                ret = lib.rsc_notif_respond(self.notify_fd, event.token, -1, ret, 0)
        elif response.continue_call:
            ret = lib.rsc_notif_respond(self.notify_fd, event.token, 0, 0,
                                        lib.SECCOMP_USER_NOTIF_FLAG_CONTINUE)
        else:
            ret = lib.rsc_notif_respond(self.notify_fd, event.token,
                                        response.value if not response.errno else -1,
                                        -response.errno, 0)
        if ret < 0 and ret != -errno.ENOENT:  # ENOENT: the caller died meanwhile
            raise OSError(-ret, "seccomp notification response")
        # ADDFD returns the fd's number in the caller, which is also the call's result.
        return ret if response.install_fd is not None and ret >= 0 else None

    def still_pending(self, event: SyscallEvent) -> bool:
        return lib.rsc_notif_id_valid(self.notify_fd, event.token) == 0

    def close(self) -> None:
        if self.fast is not None:
            self.fast.stop()
        if self.notify_fd >= 0:
            os.close(self.notify_fd)
            self.notify_fd = -1
