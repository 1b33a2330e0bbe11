"""Configures the C fast paths from the syscall table: the entries marked `fast_path` are
answered in C without entering Python (csrc/fastpath.c on the seccomp platform,
csrc/ptrace_fast.c on ptrace, both answering as csrc/answers.c; on ptrace an open is
answered in C once its process holds a courier Python made, else only when its name is
missing); everything else comes back to the Python sentry as an ordinary event."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sentry.native import ffi, lib
from sentry.platform.base import FastAnswers
from syscall_tables import SyscallTable

# The C handler for each call the table may mark fast_path.
C_HANDLERS = {
    "getuid": lib.RSC_GETUID, "geteuid": lib.RSC_GETEUID, "getgid": lib.RSC_GETGID,
    "getegid": lib.RSC_GETEGID, "getresuid": lib.RSC_GETRESUID,
    "getresgid": lib.RSC_GETRESGID, "getgroups": lib.RSC_GETGROUPS, "uname": lib.RSC_UNAME,
    "stat": lib.RSC_STAT, "lstat": lib.RSC_LSTAT, "newfstatat": lib.RSC_NEWFSTATAT,
    "statx": lib.RSC_STATX, "access": lib.RSC_ACCESS, "faccessat": lib.RSC_FACCESSAT,
    "faccessat2": lib.RSC_FACCESSAT2, "readlink": lib.RSC_READLINK,
    "readlinkat": lib.RSC_READLINKAT, "open": lib.RSC_OPEN, "openat": lib.RSC_OPENAT,
    "chdir": lib.RSC_CHDIR, "execve": lib.RSC_EXECVE, "execveat": lib.RSC_EXECVEAT,
    "utimensat": lib.RSC_UTIMENSAT,
    **{name: lib.RSC_CREDENTIALS_CHANGE for name in (
        "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid",
        "setfsgid", "setgroups", "capset", "umask")},
    **{name: lib.RSC_ATTRIBUTES_CHANGE for name in (
        "fchmod", "fchown", "fsetxattr", "fremovexattr", "setxattr", "lsetxattr",
        "removexattr", "lremovexattr")},
}


def _take_tally(tally: Any) -> list[FastAnswers]:
    """The counts of csrc/tally.h, emptied for the loop to count on."""
    answers = []
    for i in range(tally.used):
        cell = tally.cells[tally.order[i]]
        key = cell.key - 1
        answers.append(FastAnswers(key >> 13, key & 0xFFF, bool(key >> 12 & 1), cell.count))
        cell.key = cell.count = 0
    tally.used = 0
    return answers


def _configure(state: Any, gofer_fd: int, gofer_pid: int, table: SyscallTable,
               utsname: bytes) -> None:
    """What both C loops are given: the gofer to send path calls to (csrc/answers.h),
    uname's answer, and the table's fast_path calls with their C handlers."""
    state.gofer.fd = gofer_fd
    state.gofer.pid = gofer_pid
    state.gofer.cpu = -1  # not yet placed
    ffi.memmove(state.utsname, utsname, len(utsname))
    for entry in table.entries:
        if entry.fast_path and entry.number < lib.RSC_MAX_NR:
            state.kind[entry.number] = C_HANDLERS[entry.name]


class _CLoop:
    """What the two C loops share: the watcher thread (csrc/watcher.h) that interrupts the
    loop's wait for Python's fds (without it the loop polls, a little slower), and the
    tally of the calls answered in C."""

    state: Any

    def _start_watcher(self) -> None:
        self.watching = lib.rsc_fastpath_start() == 0

    def stop(self) -> None:
        lib.rsc_fastpath_stop()

    def drain(self) -> list[FastAnswers]:
        """The calls answered in C since the last drain."""
        return _take_tally(self.state.answered)


class FastPath(_CLoop):
    """The C loop's state for one sandbox."""

    def __init__(self, notify_fd: int, gofer_fd: int, gofer_pid: int, table: SyscallTable,
                 utsname: bytes) -> None:
        self.state = ffi.new("struct rsc_fastpath *")
        self.state.notify_fd = notify_fd
        _configure(self.state, gofer_fd, gofer_pid, table, utsname)
        self._start_watcher()

    def serve(self, watch: Sequence[int], timeout_ms: int, request: object) -> int:
        fds = ffi.new("int[]", list(watch) or [0])
        return int(lib.rsc_serve(self.state, fds, len(watch), timeout_ms, request))


class PtraceFastPath(_CLoop):
    """The ptrace C loop's state for one sandbox (csrc/ptrace_fast.h)."""

    def __init__(self, sigchld_fd: int, gofer_fd: int, gofer_pid: int, table: SyscallTable,
                 utsname: bytes, own_call_mark: int) -> None:
        self.state = ffi.new("struct rsc_ptrace_fast *")
        self.state.sigchld_fd = sigchld_fd
        self.state.own_call_mark = own_call_mark
        self._courier_slots: dict[bytes, int] = {}  # courier address -> its slot in the ring
        _configure(self.state, gofer_fd, gofer_pid, table, utsname)
        # before the tracer turns realtime, so that the watcher stays an ordinary thread
        self._start_watcher()
        # Realtime, so that resumes keep the tracee on this CPU (csrc/ptrace_fast.c).
        self.resumes_here = lib.rsc_ptrace_fast_start() == 0

    def serve(self, watch: Sequence[int], timeout_ms: int) -> int:
        fds = ffi.new("int[]", list(watch) or [0])
        return int(lib.rsc_ptrace_serve(self.state, fds, len(watch), timeout_ms))

    def add_courier(self, name: bytes) -> None:
        """A courier Python made or used (its abstract address): opens in its process are
        then answered in C. The loop's room is a ring: the oldest name, most likely of a
        process gone, makes way; a process whose name went is told again at its next open
        through Python."""
        if len(name) != lib.RSC_COURIER_NAME:
            return
        slot = self._courier_slots.get(name)
        if slot is not None and self._courier_name(slot) == name:
            return
        slot = self.state.couriers % lib.RSC_MAX_COURIERS
        if self.state.couriers >= lib.RSC_MAX_COURIERS:
            self._courier_slots.pop(self._courier_name(slot), None)
        ffi.memmove(self.state.courier_names[slot], name, lib.RSC_COURIER_NAME)
        self._courier_slots[name] = slot
        self.state.couriers += 1

    def _courier_name(self, slot: int) -> bytes:
        return ffi.buffer(self.state.courier_names[slot])[:]

    def take_seen(self) -> list[tuple[int, int]]:
        """(tid, the tid that made it, or 0) of each stop the loop ended without Python
        (new tasks, signal deliveries), emptied for the loop to fill again."""
        seen = [(int(self.state.seen[i][0]), int(self.state.seen[i][1]))
                for i in range(self.state.seen_count)]
        self.state.seen_count = 0
        return seen

    def taken(self) -> tuple[int, int]:
        """(tid, wait status) of the stop the loop took for Python (RSC_PT_STATUS)."""
        return int(self.state.tid), int(self.state.status)
