"""The ptrace platform (`--platform=ptrace`): the sentry traces every task of the box.

The filter's emulate/gofer calls return SECCOMP_RET_TRACE; passthrough calls never stop.
Before loading its filter the workload asks to be traced and waits; the sentry (its
parent) attaches with PTRACE_SEIZE, so every later TRACE call meets a tracer (without one
the kernel fails the call with ENOSYS). Options: TRACESECCOMP, TRACECLONE, TRACEFORK,
TRACEVFORK (new tasks are attached by the kernel before they run), TRACEEXEC, TRACESYSGOOD
(syscall stops during fd delivery) and EXITKILL (the box dies with its sentry).

Events come from waitpid, not from an fd, so `fileno()` is a signalfd for SIGCHLD (which
the sentry blocks while it traces): the runner's poll loop serves both platforms alike.
`receive()` handles every waitable stop itself and returns only syscall events:

- seccomp stop: registers are read, the event goes to the dispatcher; `respond` skips the
  call (orig_rax = -1, rax = result or -errno) or lets it run (continue_call), then resumes.
- fork/vfork/clone events: the new task is already traced; SEIZE makes its first stop a
  PTRACE_EVENT_STOP, so it may be reported before or after its parent's event.
- exec event: a non-leader thread that calls execve takes the leader's tid; its old tid
  is forgotten.
- PTRACE_EVENT_STOP with a stop signal is a group-stop: PTRACE_LISTEN keeps the task
  stopped until SIGCONT (or SIGKILL) without the tracer swallowing the stop. With SIGTRAP
  it is a new task's first stop or the end of a group-stop: resume.
- signal-delivery stop: the signal is re-injected unchanged, never swallowed; two
  signals to the box's PID 1 get the meaning they have for an untraced init (`_deliver`).
- fast path (`enable_fast_path`, csrc/ptrace_fast.c): a C loop takes the stops first and
  answers the seccomp stops of the table's fast_path calls (identity, uname, the gofer's
  lookups; credential changes are resumed unchanged; opens by the courier below, once
  Python has made the process's courier and told the loop its address), and ends the
  stops that need no judgment as `on_status` would: fork/clone events, new tasks' first
  stops, and deliveries of signals that mean the same to the box's PID 1 as to any task
  (their tids reach `tracees` through `take_seen`). It waits by
  the same rules (peek with WNOWAIT, take only ptrace stops), blocking in the peek itself
  while a watcher thread (csrc/watcher.h) interrupts it for the runner's fds, and hands
  every other stop back: taken, as a wait status for `on_status`, or untaken (an exit),
  for `receive`.
- exits: traced tasks are reaped here (a traced zombie waits for its tracer). The
  workload's status is kept for `workload_exited`; the runner must not waitpid it, as that
  would steal its ptrace stops. The sentry's other children (the gofer) are left alone.

ESRCH is expected everywhere: any task may be killed while stopped.

How an fd reaches the tracee (gofer opens): ptrace has no SECCOMP_IOCTL_NOTIF_ADDFD, and
Linux no call that puts an fd into another process, so the tracee receives it itself
(PtraceFdCourier below): each process holds a "courier", an AF_UNIX datagram socket
connected to itself at a high fd number, CLOEXEC. The sentry copies it with pidfd_getfd,
sends the gofer's fd into it with SCM_RIGHTS, and turns the stopped call into
recvmsg(courier, MSG_DONTWAIT) by rewriting its registers; at the syscall-exit stop the
received fd's number becomes the call's result and the registers are restored. The fd is
the one the gofer opened from its own copy of the path, so no kernel re-read of workload
memory decides what is opened (DESIGN rule 2); the msghdr written below the caller's red
zone only says where the fd number lands. A process without a courier (new after exec, or
one that closed it) gets one first: socket, fcntl(F_DUPFD_CLOEXEC) to a high number and
close, each injected by rewinding the instruction pointer onto the `syscall` instruction,
with all signals blocked (PTRACE_SETSIGMASK) so no handler runs between them.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import resource
import select
import signal
import socket
import stat
import struct
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ptrace import PtraceError
from ptrace.binding import (
    ptrace_detach,
    ptrace_getregs,
    ptrace_getsiginfo,
    ptrace_setregs,
)
from ptrace.binding.func import (
    PTRACE_EVENT_CLONE,
    PTRACE_EVENT_EXEC,
    PTRACE_EVENT_FORK,
    PTRACE_EVENT_VFORK,
    PTRACE_O_TRACECLONE,
    PTRACE_O_TRACEEXEC,
    PTRACE_O_TRACEFORK,
    PTRACE_O_TRACESYSGOOD,
    PTRACE_O_TRACEVFORK,
    ptrace,
    ptrace_geteventmsg,
)

from sentry.log import Logger
from sentry.native import lib, vm_read, vm_write
from sentry.platform.base import FastAnswers, Platform, Response, SyscallEvent
from sentry.platform.fastpath import PtraceFastPath
from sentry.seccomp_filter import AUDIT_ARCH_X86_64, SeccompFilter, intercept_trace
from syscall_tables.numbers_x86_64 import SYSCALLS

if TYPE_CHECKING:
    from syscall_tables import SyscallTable

log = Logger(__name__)

# include/uapi/linux/ptrace.h: what python-ptrace does not define.
PTRACE_SEIZE = 0x4206
PTRACE_INTERRUPT = 0x4207
PTRACE_LISTEN = 0x4208
PTRACE_GETSIGMASK = 0x420A
PTRACE_SETSIGMASK = 0x420B
PTRACE_GET_SYSCALL_INFO = 0x420E
PTRACE_O_TRACESECCOMP = 0x80
PTRACE_O_EXITKILL = 0x10_0000
PTRACE_EVENT_SECCOMP = 7
PTRACE_EVENT_STOP = 128
PTRACE_SYSCALL_INFO_EXIT = 2
PTRACE_SYSCALL_INFO_SECCOMP = 3

TRACE_OPTIONS = (PTRACE_O_TRACESECCOMP | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK
                 | PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC | PTRACE_O_TRACESYSGOOD
                 | PTRACE_O_EXITKILL)
WALL = 0x4000_0000  # __WALL: threads too
WAIT_ANY = os.WEXITED | os.WSTOPPED | WALL
SYSCALL_STOP = signal.SIGTRAP | 0x80  # TRACESYSGOOD
STOP_SIGNALS = frozenset({signal.SIGSTOP, signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU})
FAULT_SIGNALS = frozenset({signal.SIGSEGV, signal.SIGBUS, signal.SIGILL, signal.SIGFPE,
                           signal.SIGTRAP, signal.SIGSYS})
SKIP_CALL = (1 << 64) - 1  # orig_rax = -1: the kernel skips the call, rax is its result
MASK64 = (1 << 64) - 1
PIDFD_THREAD = os.O_EXCL  # pidfd_open(2) of a thread (Linux 6.9)
SFD_NONBLOCK = os.O_NONBLOCK
SFD_CLOEXEC = os.O_CLOEXEC

# The hand-off: the workload asks to be traced, the sentry answers once it is.
TRACE_ME = b"T"
TRACED = b"A"
REFUSED = b"E"

NR = {name: number for number, name in SYSCALLS}
SOCK_DGRAM_CLOEXEC = socket.SOCK_DGRAM | socket.SOCK_CLOEXEC
MSG_DONTWAIT = 0x40
MSG_CMSG_CLOEXEC = 0x4000_0000
F_DUPFD_CLOEXEC = 1030
COURIER_FD = 1000  # where a courier goes, below the usual 1024 soft RLIMIT_NOFILE
COURIER_MARK = b"runsc-py"
RED_ZONE = 128  # x86_64 ABI: memory below rsp - 128 is free for signal frames, and for us
SCRATCH = 128  # msghdr (56) + iovec (16) + cmsg (24) + data (8), rounded


class _SyscallInfo(ctypes.Structure):
    """struct ptrace_syscall_info; `nr` is entry.nr, exit.rval or seccomp.nr."""

    _fields_ = [("op", ctypes.c_uint8), ("reserved", ctypes.c_uint8),
                ("flags", ctypes.c_uint16), ("arch", ctypes.c_uint32),
                ("instruction_pointer", ctypes.c_uint64), ("stack_pointer", ctypes.c_uint64),
                ("nr", ctypes.c_uint64), ("args", ctypes.c_uint64 * 6),
                ("ret_data", ctypes.c_uint32), ("padding", ctypes.c_uint32)]


class TraceeGone(Exception):
    """The task ended (or became another task through exec) while the sentry worked on it."""


def _signed(value: int) -> int:
    return value - (1 << 64) if value >> 63 else value


class PtracePlatform(Platform):
    name = "ptrace"
    own_calls = ("socket", "fcntl", "close", "recvmsg")

    def __init__(self) -> None:
        # Made before the fork, so the workload knows it for its linux.seccomp profile. It
        # only lets the workload past its own profile, for these four calls, were it to
        # see it (in /proc/TID/syscall during an injected call).
        # os.urandom, as secrets.randbits does, without importing secrets (with hmac and
        # OpenSSL's hashlib: ~5 ms of every ptrace start).
        self.own_call_mark = int.from_bytes(os.urandom(8), "little")
        self.workload = -1
        self.sigchld_fd = -1
        self.tracees: set[int] = set()  # every tid known to be traced and not yet reaped
        self.stopped: dict[int, Any] = {}  # tid -> registers at the seccomp stop served now
        self.workload_status: int | None = None
        self.courier = PtraceFdCourier(self)
        self.fast: PtraceFastPath | None = None
        self._fast_answers: list[FastAnswers] = []  # counted while serve() went on
        self._old_mask: set[int | signal.Signals] | None = None
        self._libc = ctypes.CDLL(None, use_errno=True)

    def intercept_action(self) -> int:
        return intercept_trace()

    def load_filter_in_workload(self, channel: socket.socket, seccomp: SeccompFilter) -> None:
        # Traced first: a TRACE call before the tracer is attached fails with ENOSYS, and
        # under --coverage=full even the hand-off's own calls would be such calls.
        channel.sendall(TRACE_ME)
        if channel.recv(1) != TRACED:
            raise ConnectionError("the sentry could not trace the workload")
        seccomp.load()

    def attach(self, channel: socket.socket, workload_pid: int) -> None:
        if channel.recv(1) != TRACE_ME:
            raise ConnectionError("workload ended before asking to be traced")
        try:
            ptrace(PTRACE_SEIZE, workload_pid, 0, TRACE_OPTIONS)
        except PtraceError as err:
            channel.sendall(REFUSED)
            raise ConnectionError(f"PTRACE_SEIZE of the workload: {err}") from err
        self.workload = workload_pid
        self.tracees.add(workload_pid)
        self._watch_sigchld()  # before the workload goes on: its first stop must wake us
        channel.sendall(TRACED)

    def _watch_sigchld(self) -> None:
        """SIGCHLD, blocked, becomes the pollable fd: a tracee stop or exit wakes the loop."""
        self._old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
        mask = (ctypes.c_ulong * 16)()
        mask[0] = 1 << (signal.SIGCHLD - 1)
        fd = self._libc.signalfd(-1, ctypes.byref(mask), SFD_NONBLOCK | SFD_CLOEXEC)
        if fd < 0:
            raise OSError(ctypes.get_errno(), "signalfd")
        self.sigchld_fd = fd

    def fileno(self) -> int:
        return self.sigchld_fd

    # --- events -------------------------------------------------------------------------

    def enable_fast_path(self, table: SyscallTable, utsname: bytes, gofer_fd: int,
                         gofer_pid: int) -> bool:
        self.fast = PtraceFastPath(self.sigchld_fd, gofer_fd, gofer_pid, table, utsname,
                                   self.own_call_mark)
        log.debug("fast path: resumes keep the tracee on the tracer's CPU: %s; blocks in "
                  "waitid, a watcher thread interrupts it: %s",
                  self.fast.resumes_here, self.fast.watching)
        return True

    def serve(self, watch: Sequence[int], timeout_ms: int) -> SyscallEvent | None:
        """Let the C loop answer what it can; return the first stop that is a syscall
        event for Python, or None once nothing waits (or a `watch` fd is readable)."""
        if self.fast is None:
            return self.receive()
        while True:
            result = self.fast.serve(watch, timeout_ms)
            for tid, parent in self.fast.take_seen():
                self.tracees.add(tid)
                if parent:
                    self.courier.inherit(parent, tid)
            if result == lib.RSC_PT_STATUS:
                event = self.on_status(*self.fast.taken())
                if event is not None:
                    return event
            elif result == lib.RSC_PT_DRAIN:
                self._fast_answers.extend(self.fast.drain())
            elif result == lib.RSC_PT_LOOK:
                return self.receive()
            elif result < 0:
                raise OSError(-result, "ptrace fast path")
            else:  # RSC_PT_WAKE
                return None

    def drain_fast_answers(self) -> list[FastAnswers]:
        if self.fast is None:
            return []
        answers, self._fast_answers = self._fast_answers + self.fast.drain(), []
        return answers

    def receive(self) -> SyscallEvent | None:
        """Handle waitable stops until one is a syscall event; None once none waits."""
        while (found := self._next_status()) is not None:
            event = self.on_status(*found)
            if event is not None:
                return event
        return None

    def _next_status(self) -> tuple[int, int] | None:
        found = self._waitable()
        if found is None:
            # Drain SIGCHLD before looking again, so a stop after this look wakes the loop.
            with contextlib.suppress(BlockingIOError):
                while os.read(self.sigchld_fd, 4096):
                    pass
            found = self._waitable()
        return found

    def _waitable(self) -> tuple[int, int] | None:
        """The next (tid, wait status) of a traced task, without blocking.

        waitid(P_ALL, WNOWAIT) peeks first: a tracee's stop or exit is consumed, but a
        child of the sentry outside the box (the gofer) is left to the runner, which
        waits for it by pid. While such a child is waitable it would be the answer to
        every P_ALL peek, so the known tracees are asked one by one instead."""
        try:
            info = os.waitid(os.P_ALL, 0, WAIT_ANY | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return None
        if info is None:
            return None
        pid = info.si_pid
        if pid in self.tracees or info.si_code == os.CLD_TRAPPED or not self._foreign(pid):
            return self._wait(pid, os.WNOHANG)
        ours = self.tracees | ({self.workload} if self.workload_status is None else set())
        for tid in ours:  # the workload too: it may have been detached (_deliver)
            found = self._wait(tid, os.WNOHANG)
            if found is not None:
                return found
        return None

    def _foreign(self, pid: int) -> bool:
        """A child process of the sentry other than the workload: not a box task. (Box
        threads of the workload share its parent; they are not processes of their own.)"""
        if pid == self.workload:
            return False
        fields = _proc_status(pid)
        return fields.get(b"Tgid") == str(pid).encode() and \
            fields.get(b"PPid") == str(os.getpid()).encode()

    def _wait(self, tid: int, flags: int) -> tuple[int, int] | None:
        try:
            waited, status = os.waitpid(tid, flags | WALL)
        except ChildProcessError:
            self._forget(tid)
            return None
        return (waited, status) if waited else None

    def on_status(self, tid: int, status: int) -> SyscallEvent | None:
        """Act on one wait status; return the syscall event of a seccomp stop."""
        if not os.WIFSTOPPED(status):
            self._forget(tid)
            if tid == self.workload:
                self.workload_status = status
            return None
        self.tracees.add(tid)
        sig, event = os.WSTOPSIG(status), status >> 16
        if event == PTRACE_EVENT_SECCOMP:
            return self._syscall_event(tid)
        if event in (PTRACE_EVENT_FORK, PTRACE_EVENT_VFORK, PTRACE_EVENT_CLONE):
            with contextlib.suppress(PtraceError):
                child = ptrace_geteventmsg(tid)
                self.tracees.add(child)
                self.courier.inherit(tid, child)
            self._resume(tid)
        elif event == PTRACE_EVENT_EXEC:
            with contextlib.suppress(PtraceError):
                former = ptrace_geteventmsg(tid)
                if former != tid:
                    self._forget(former)
                    lib.rsc_task_forget(former)
            self.courier.forget(tid)  # CLOEXEC: gone with the old image
            lib.rsc_task_forget(tid)  # the cached credentials: the exec may have changed them
            self._resume(tid)
        elif event == PTRACE_EVENT_STOP and sig in STOP_SIGNALS:
            self._ptrace_quiet(PTRACE_LISTEN, tid)  # group-stop: stay stopped until SIGCONT
        elif event or sig == SYSCALL_STOP:
            self._resume(tid)  # first stop of a new task, end of a group-stop, stray stop
        else:
            self._deliver(tid, sig)
        return None

    def _deliver(self, tid: int, sig: int) -> None:
        """End a signal-delivery stop by delivering the signal.

        The kernel treats the box's PID 1 (a pid namespace's init) differently once it is
        traced, and two signals would change meaning, so they are handled as an untraced
        init would see them (as on the seccomp platform):
        - a fault (SIGSEGV, ...) without a handler: force_sig_info_to_task lets a fault
          kill an init only if it is not traced, so re-injected it would be ignored and
          the faulting instruction would run again, forever. Detaching with the signal
          lets the thread fault once more untraced and die of it.
        - SIGSTOP sent from inside the box: an untraced init never gets it (dropped when
          sent), a traced one would stop. Dropped here; from outside (si_pid 0 in the
          box's numbering) it stops the init, as it does untraced."""
        if sig in FAULT_SIGNALS or sig == signal.SIGSTOP:
            fields = _proc_status(tid)
            if fields.get(b"Tgid") == str(self.workload).encode():
                with contextlib.suppress(PtraceError):
                    info = ptrace_getsiginfo(tid)
                    sender = info._sifields._sigchld.pid  # si_pid: kill's layout begins alike
                    if sig == signal.SIGSTOP and sender != 0:
                        self._resume(tid)
                        return
                    caught = int(fields.get(b"SigCgt", b"0"), 16) & (1 << (sig - 1))
                    if sig != signal.SIGSTOP and info.si_code > 0 and not caught:
                        ptrace_detach(tid, sig)  # si_code > 0: sent by the kernel
                        self.tracees.discard(tid)
                        return
        self._resume(tid, sig)

    def _syscall_event(self, tid: int) -> SyscallEvent | None:
        try:
            regs = ptrace_getregs(tid)
        except PtraceError:
            return None  # killed meanwhile; its exit follows
        self.stopped[tid] = regs
        # Only x86_64 calls reach a TRACE stop: the filter kills every other arch first.
        return SyscallEvent(token=tid, tid=tid, nr=regs.orig_rax, arch=AUDIT_ARCH_X86_64,
                            args=(regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8, regs.r9))

    def _forget(self, tid: int) -> None:
        self.tracees.discard(tid)
        self.stopped.pop(tid, None)
        self.courier.forget(tid)

    def _resume(self, tid: int, sig: int = 0) -> None:
        with contextlib.suppress(PtraceError):
            resume_tracee(tid, sig=sig)

    @staticmethod
    def _ptrace_quiet(request: int, tid: int) -> None:
        with contextlib.suppress(PtraceError):
            ptrace(request, tid, 0, 0)

    def workload_exited(self, pid: int) -> int | None:
        return self.workload_status

    # --- answers ------------------------------------------------------------------------

    def respond(self, event: SyscallEvent, response: Response) -> int | None:
        regs = self.stopped.pop(event.tid, None)
        try:
            if regs is None or not self._in_stop(event.tid, regs):
                return None  # the caller died, or another thread's exec took its tid
            if response.install_fd is not None:
                return self.courier.deliver(event.tid, regs, response.install_fd,
                                            response.install_fd_flags)
            if response.continue_call:
                self._resume(event.tid)
                return None
            regs.orig_rax = SKIP_CALL
            regs.rax = (-response.errno if response.errno else response.value) & MASK64
            with contextlib.suppress(PtraceError):
                ptrace_setregs(event.tid, regs)
                resume_tracee(event.tid)
            return None
        finally:
            if response.install_fd is not None:
                os.close(response.install_fd)

    def still_pending(self, event: SyscallEvent) -> bool:
        regs = self.stopped.get(event.tid)
        return regs is not None and self._in_stop(event.tid, regs)

    def _in_stop(self, tid: int, regs: Any) -> bool:
        """`tid` still sits in the seccomp stop these registers were read at. A tid alone
        does not say so: a traced task cannot be reaped behind our back, but when another
        thread of its process calls execve, that thread takes over the tid."""
        info = syscall_info(tid)
        return (info is not None and info.op == PTRACE_SYSCALL_INFO_SECCOMP
                and info.instruction_pointer == regs.rip
                and info.stack_pointer == regs.rsp and info.nr == regs.orig_rax)

    def write_memory(self, event: SyscallEvent, address: int, data: bytes) -> None:
        if not self.still_pending(event):
            raise ProcessLookupError(event.tid, "caller vanished before its memory was written")
        vm_write(event.tid, address, data)

    # --- the end ------------------------------------------------------------------------

    def close(self) -> None:
        """Reap the box if the serve loop ended early (a traced zombie would keep the box's
        PID 1 from ever exiting), then stop watching SIGCHLD."""
        if self.sigchld_fd < 0:
            return
        if self.workload_status is None and self.workload > 0:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.workload, signal.SIGKILL)  # PID 1: the kernel kills the box
            while self.workload_status is None and self.workload in self.tracees:
                self.stopped.clear()  # killed tasks are not resumed; they exit
                if self.receive() is None and self.workload in self.tracees:
                    select.select([self.sigchld_fd], [], [])
        if self.fast is not None:
            self.fast.stop()
        os.close(self.sigchld_fd)
        self.sigchld_fd = -1
        if self._old_mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, self._old_mask)


def _proc_status(tid: int) -> dict[bytes, bytes]:
    """/proc/TID/status as a dict; empty if the task is gone."""
    fields: dict[bytes, bytes] = {}
    with contextlib.suppress(OSError), open(f"/proc/{tid}/status", "rb") as status:
        for line in status:
            key, _, value = line.partition(b":")
            fields[key] = value.strip()
    return fields


def resume_tracee(tid: int, to_syscall_stop: bool = False, sig: int = 0) -> None:
    """PTRACE_CONT (or PTRACE_SYSCALL) as the C loop resumes, holding the tracee on the
    tracer's CPU for the wakeup where that is safe (csrc/ptrace_fast.c)."""
    err = lib.rsc_ptrace_resume(tid, to_syscall_stop, sig)
    if err < 0:
        raise PtraceError(os.strerror(-err), errno=-err, pid=tid)


def syscall_info(tid: int) -> _SyscallInfo | None:
    """PTRACE_GET_SYSCALL_INFO of a stopped tracee, or None if it is not stopped."""
    info = _SyscallInfo()
    try:
        ptrace(PTRACE_GET_SYSCALL_INFO, tid, ctypes.sizeof(info), ctypes.addressof(info))
    except PtraceError:
        return None
    return info


class PtraceFdCourier:
    """Delivers fds into tracees through a per-process courier socket (module docstring)."""

    def __init__(self, platform: PtracePlatform) -> None:
        self.platform = platform
        self.numbers: dict[int, int] = {}  # tid -> the courier's fd number in its process
        self.names: set[bytes] = set()  # abstract addresses of the couriers made so far

    def inherit(self, parent: int, child: int) -> None:
        """A forked process holds a copy of its parent's courier; a thread shares it."""
        if parent in self.numbers:
            self.numbers[child] = self.numbers[parent]

    def forget(self, tid: int) -> None:
        self.numbers.pop(tid, None)

    def deliver(self, tid: int, regs: Any, fd: int, flags: int) -> int | None:
        """Install the sentry's `fd` in stopped `tid` as the result of its call; return
        the new fd's number (None when the call failed or the caller died)."""
        run = InjectedCalls(self.platform, tid, regs)
        try:
            number, sender = self._courier(run)
            try:
                self._post(sender, fd)
            finally:
                sender.close()
            result = self._receive(run, number, flags)
            run.finish(result)
        except TraceeGone:
            return None
        except OSError as err:
            run.finish(-(err.errno or errno.EIO))
            return None
        return result if result >= 0 else None

    def _courier(self, run: InjectedCalls) -> tuple[int, socket.socket]:
        """The caller's courier fd number and a sentry-side socket to send into it,
        making a courier first if the caller holds none."""
        number = self.numbers.get(run.tid, COURIER_FD)
        sender = self._copy_if_courier(run.tid, number)
        if sender is not None:
            return number, sender
        low = run.call("socket", socket.AF_UNIX, SOCK_DGRAM_CLOEXEC, 0)
        if low < 0:
            raise OSError(-low, "socket for a courier")
        sender = self._copy(run.tid, low)
        if sender is None:
            raise OSError(errno.EIO, "the new courier vanished")
        try:
            sender.bind("")  # autobind: a unique abstract name in the socket's netns
            name = sender.getsockname()
            sender.connect(name)  # to itself: nobody else may send into it
            self.names.add(name)
            self._tell_fast_path(name)
            soft_limit = resource.prlimit(run.tid, resource.RLIMIT_NOFILE)[0]
            number = run.call("fcntl", low, F_DUPFD_CLOEXEC, min(COURIER_FD, soft_limit - 1))
            if number < 0:
                number = low  # no free fd up high: keep it where it is
            else:
                run.call("close", low)
        except BaseException:
            sender.close()
            raise
        self.numbers[run.tid] = number
        return number, sender

    def _tell_fast_path(self, name: bytes) -> None:
        """The C loop delivers through this courier from now on (csrc/ptrace_fast.c)."""
        if self.platform.fast is not None:
            self.platform.fast.add_courier(name)

    def _copy_if_courier(self, tid: int, number: int) -> socket.socket | None:
        """A copy of the caller's fd `number` if it is a courier made here (the C loop is
        told of it again: it may have left the loop's ring), else None."""
        sender = self._copy(tid, number)
        if sender is None:
            return None
        try:
            name = sender.getsockname() if sender.family == socket.AF_UNIX else None
            if name in self.names:
                self._tell_fast_path(name)
                return sender
        except OSError:
            pass
        sender.close()
        return None

    @staticmethod
    def _copy(tid: int, number: int) -> socket.socket | None:
        """A copy of the caller's fd `number` if it is a socket (pidfd_getfd)."""
        try:
            pidfd = os.pidfd_open(tid, PIDFD_THREAD)
        except ProcessLookupError as err:
            raise TraceeGone(tid) from err
        try:
            copy = lib.rsc_pidfd_getfd(pidfd, number)
        finally:
            os.close(pidfd)
        if copy < 0:
            if copy == -errno.ESRCH:
                raise TraceeGone(tid)
            return None
        if not stat.S_ISSOCK(os.fstat(copy).st_mode):
            os.close(copy)
            return None
        return socket.socket(fileno=copy)

    @staticmethod
    def _post(sender: socket.socket, fd: int) -> None:
        """Queue `fd` as the courier's only datagram (stale ones are dropped first)."""
        with contextlib.suppress(BlockingIOError):
            while True:
                _, ancillary, _, _ = sender.recvmsg(64, socket.CMSG_SPACE(4 * 8),
                                                    socket.MSG_DONTWAIT)
                for _, _, data in ancillary:  # only SCM_RIGHTS can come here
                    for old in struct.unpack(f"{len(data) // 4}i", data[:len(data) // 4 * 4]):
                        os.close(old)
        socket.send_fds(sender, [COURIER_MARK], [fd])

    @staticmethod
    def _receive(run: InjectedCalls, number: int, flags: int) -> int:
        """recvmsg(courier) in the caller; the received fd's number, or -errno."""
        base = (run.regs.rsp - RED_ZONE - SCRATCH) & ~15
        iov, control, data = base + 64, base + 80, base + 104
        msghdr = struct.pack("<QI4xQQQQi4x", 0, 0, iov, 1, control, 24, 0)
        vm_write(run.tid, base, msghdr.ljust(64, b"\0") + struct.pack("<QQ", data, 8)
                 + bytes(24 + 8))
        recv_flags = MSG_DONTWAIT | (MSG_CMSG_CLOEXEC if flags & os.O_CLOEXEC else 0)
        got = run.call("recvmsg", number, base, recv_flags)
        if got < 0:
            return got
        if got != len(COURIER_MARK):  # the workload sent itself something: not ours
            return -errno.EIO
        level, kind, fd = struct.unpack("<8xiii", vm_read(run.tid, control, 20))
        if (level, kind) != (socket.SOL_SOCKET, socket.SCM_RIGHTS):
            return -errno.EIO
        return fd


class InjectedCalls:
    """Syscalls run in a tracee held at a seccomp stop, then its own call answered.

    The first call replaces the stopped one; each later one rewinds the instruction
    pointer onto the `syscall` instruction (2 bytes) with rax = its number, so the task
    enters the kernel again. Between calls the task passes through user mode, so all its
    signals are blocked until `finish` restores its mask."""

    def __init__(self, platform: PtracePlatform, tid: int, regs: Any) -> None:
        self.platform = platform
        self.tid = tid
        self.regs = regs  # the registers of the stopped call, restored by `finish`
        self.calls = 0
        self.saved_mask: ctypes.c_uint64 | None = None
        self.group_stop = False

    def call(self, name: str, *args: int) -> int:
        """Run one syscall in the tracee; its result (-errno on failure)."""
        regs = type(self.regs).from_buffer_copy(self.regs)
        if self.calls == 0:
            regs.orig_rax = NR[name]
        else:
            if self.saved_mask is None:
                self._block_signals()
            regs.orig_rax = SKIP_CALL
            regs.rax = NR[name]
            regs.rip = self.regs.rip - 2
        self.calls += 1
        for field, value in zip(("rdi", "rsi", "rdx", "r10", "r8"), args, strict=False):
            setattr(regs, field, value & MASK64)
        regs.r9 = self.platform.own_call_mark  # the sixth argument, which these calls ignore
        try:
            ptrace_setregs(self.tid, regs)
            resume_tracee(self.tid, to_syscall_stop=True)
        except PtraceError as err:
            raise TraceeGone(self.tid) from err
        return self._until_exit()

    def _until_exit(self) -> int:
        """Wait for this task's syscall-exit stop; pass the stops on the way."""
        while True:
            try:
                _, status = os.waitpid(self.tid, WALL)
            except ChildProcessError as err:
                raise TraceeGone(self.tid) from err
            sig, event = os.WSTOPSIG(status), status >> 16
            if not os.WIFSTOPPED(status) or event == PTRACE_EVENT_EXEC:
                self.platform.on_status(self.tid, status)
                raise TraceeGone(self.tid)
            if sig == SYSCALL_STOP and not event:
                info = syscall_info(self.tid)
                if info is None:
                    raise TraceeGone(self.tid)
                if info.op == PTRACE_SYSCALL_INFO_EXIT:
                    return _signed(info.nr)
            elif event == PTRACE_EVENT_STOP and sig in STOP_SIGNALS:
                self.group_stop = True  # re-entered by `finish`
            deliver = sig if not event and sig != SYSCALL_STOP else 0  # SIGSTOP: unblockable
            try:  # entry stop, our own call's seccomp stop (--coverage=full), group-stop
                resume_tracee(self.tid, to_syscall_stop=True, sig=deliver)
            except PtraceError as err:
                raise TraceeGone(self.tid) from err

    def _block_signals(self) -> None:
        self.saved_mask = ctypes.c_uint64()
        everything = ctypes.c_uint64(MASK64)
        try:
            ptrace(PTRACE_GETSIGMASK, self.tid, 8, ctypes.addressof(self.saved_mask))
            ptrace(PTRACE_SETSIGMASK, self.tid, 8, ctypes.addressof(everything))
        except PtraceError as err:
            raise TraceeGone(self.tid) from err

    def finish(self, result: int) -> None:
        """Answer the stopped call with `result` and let the task go on."""
        regs = type(self.regs).from_buffer_copy(self.regs)
        if self.calls == 0:
            regs.orig_rax = SKIP_CALL
        regs.rax = result & MASK64
        with contextlib.suppress(PtraceError):
            ptrace_setregs(self.tid, regs)
            if self.saved_mask is not None:
                ptrace(PTRACE_SETSIGMASK, self.tid, 8, ctypes.addressof(self.saved_mask))
            resume_tracee(self.tid)
            if self.group_stop:  # it stopped with its group meanwhile: back into the stop
                ptrace(PTRACE_INTERRUPT, self.tid, 0, 0)
