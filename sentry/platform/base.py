"""The platform interface: syscall events in, responses out.

A platform decides three things: which seccomp action sends a call to the sentry
(NOTIFY or TRACE), how the workload loads its filter and connects to the sentry (hand over
the notify fd after loading, or get traced before), and how the sentry receives events
and answers them. The runner's poll loop serves every platform the same way: it polls
`fileno()`, calls `receive()` and `respond()`, and learns the workload's end from
`workload_exited()`.
"""

from __future__ import annotations

import abc
import os
import socket
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from sentry.native import vm_read, vm_write

if TYPE_CHECKING:
    from sentry.seccomp_filter import SeccompFilter
    from syscall_tables import SyscallTable


class SyscallEvent(NamedTuple):
    """One intercepted call, stopped in the kernel until the sentry answers."""

    token: int  # platform's handle: notification id (seccomp) or tid (ptrace)
    tid: int  # caller's thread id in the sentry's pid namespace
    nr: int
    arch: int
    args: tuple[int, int, int, int, int, int]


class FastAnswers(NamedTuple):
    """Calls a C loop answered without Python, counted by outcome: the coverage record
    adds them as if Python had answered each."""

    nr: int
    errno: int  # positive, or 0
    continued: bool
    calls: int


class Response(NamedTuple):
    """Exactly one of: a return value, an errno (positive), an fd to install (the
    platform closes the sentry's copy), or continue the call."""

    value: int = 0
    errno: int = 0
    install_fd: int | None = None  # host fd the platform installs in the caller
    install_fd_flags: int = 0  # O_CLOEXEC for the installed fd
    # Let the kernel run the call as the workload made it. Only for calls whose safety
    # does not rest on memory the sentry read (DESIGN rule 2); each user says why.
    continue_call: bool = False

    @classmethod
    def error(cls, err: int) -> Response:
        return cls(errno=err)


class Platform(abc.ABC):
    """Receives intercepted calls from one sandbox and answers them."""

    name: str
    # Set by the runner before the fork under --coverage=full: the filter intercepts every
    # call but the kill ones, so from the moment it is loaded nothing may reach the sentry
    # through a filtered call (the hand-off would wait on the sentry it is handing off to),
    # and Response.continue_call then also answers plain passthrough calls: resume the call
    # unchanged, as BPF ALLOW would have (ptrace: resume without skipping it).
    intercept_all: bool = False
    # Calls the platform itself runs in the workload's tasks once every filter is loaded
    # (the ptrace platform's fd delivery), each with `own_call_mark` in its sixth argument
    # register, which these calls ignore; a linux.seccomp profile lets exactly those through.
    own_calls: tuple[str, ...] = ()
    own_call_mark: int = 0

    @abc.abstractmethod
    def intercept_action(self) -> int:
        """The seccomp action the filter uses for emulate/gofer calls."""

    @abc.abstractmethod
    def load_filter_in_workload(self, channel: socket.socket, seccomp: SeccompFilter) -> None:
        """Runs in the workload before execve: load `seccomp` and connect to the sentry
        over `channel`, in the order the platform needs."""

    @abc.abstractmethod
    def attach(self, channel: socket.socket, workload_pid: int) -> None:
        """Runs in the sentry once the workload has loaded its filter."""

    @abc.abstractmethod
    def fileno(self) -> int:
        """A pollable fd that is readable when an event (or, for ptrace, any change of a
        traced task) waits."""

    @abc.abstractmethod
    def receive(self) -> SyscallEvent | None:
        """The next event, or None when the wakeup carried none (the caller died, or
        the platform handled what it found by itself)."""

    def enable_fast_path(self, table: SyscallTable, utsname: bytes, gofer_fd: int,
                         gofer_pid: int) -> bool:
        """Let a C loop answer the table's fast_path calls; False if the platform has none."""
        return False

    def serve(self, watch: Sequence[int], timeout_ms: int) -> SyscallEvent | None:
        """Called when fileno() is readable. A platform with a C fast path answers hot
        calls there until one needs Python (returned), a `watch` fd is readable or
        `timeout_ms` passes (None); by default, one receive()."""
        return self.receive()

    def drain_fast_answers(self) -> list[FastAnswers]:
        """(syscall number, errno) of the calls the C fast path answered since last asked."""
        return []

    def workload_exited(self, pid: int) -> int | None:
        """The workload's wait status once it has exited, else None; never blocks. The
        ptrace platform overrides it: as the tracer it reaps the workload itself, and a
        waitpid here would take the workload's ptrace stops."""
        waited, status = os.waitpid(pid, os.WNOHANG)
        return status if waited == pid else None

    @abc.abstractmethod
    def respond(self, event: SyscallEvent, response: Response) -> int | None:
        """Resume the caller with `response`; return what the platform learned of the
        call's result that the response did not say (the installed fd's number), else
        None. Only --strace reads it."""

    @abc.abstractmethod
    def still_pending(self, event: SyscallEvent) -> bool:
        """True while the event's caller still waits: checked after reading its memory,
        since a dead caller's tid may already name another task."""

    def read_memory(self, event: SyscallEvent, address: int, length: int) -> bytes:
        data = vm_read(event.tid, address, length)
        if not self.still_pending(event):
            raise ProcessLookupError(event.tid, "caller vanished while its memory was read")
        return data

    def write_memory(self, event: SyscallEvent, address: int, data: bytes) -> None:
        vm_write(event.tid, address, data)

    @abc.abstractmethod
    def close(self) -> None:
        """Release the platform's fds."""
