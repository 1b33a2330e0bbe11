"""The sentry's side of a run: start the box, serve its intercepted calls, clean up.

Lifecycle: state dir and cgroups are created, the sentry forks the workload as PID 1 of
a new pid namespace, which moves itself into the cgroups and builds itself (workload.py);
the sentry receives its filter's events through the platform and answers them until the
workload exits. Then every process of the box is killed, the cgroups and the state dir
are removed; mounts died with the box's mount namespace.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TextIO

from gofer.main import ROOT_MESSAGE, gofer_main
from gofer.protocol import send
from sentry import native
from sentry.coverage import MODE_FULL, MODE_INTERCEPTED
from sentry.log import Logger
from sentry.platform import platform_by_name
from sentry.sandbox.cgroups import SandboxCgroup
from sentry.sandbox.cleaner import start_cleaner
from sentry.sandbox.namespaces import CLONE_NEWPID
from sentry.sandbox.violations import KernelLog
from sentry.sandbox.workload import run_workload
from syscall_tables import load_table

if TYPE_CHECKING:
    from sentry.dispatch import Dispatcher
    from sentry.gofer_client import GoferClient
    from sentry.platform.base import Platform
    from sentry.sandbox.plan import WorkloadPlan

log = Logger(__name__)

FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
KILL_GRACE_SECONDS = 2.0
EXIT_SETUP_FAILED = 1


class SandboxError(Exception):
    """A run that could not start; its message is one line for the user."""


class RunOptions(NamedTuple):
    sandbox_id: str
    state_root: Path
    platform: str = "seccomp"
    strace: TextIO | None = None
    strace_syscalls: frozenset[str] | None = None  # --strace-syscalls: trace only these
    coverage: str = MODE_INTERCEPTED  # MODE_FULL: every non-kill call through the sentry
    coverage_out: Path | None = None  # --coverage-out: where the run's record goes


def exit_status(wait_status: int) -> int:
    """The shell/runc convention: the exit code, or 128+N for a death by signal N."""
    if os.WIFSIGNALED(wait_status):
        return 128 + os.WTERMSIG(wait_status)
    return os.waitstatus_to_exitcode(wait_status)


class SandboxRunner:
    def __init__(self, plan: WorkloadPlan, options: RunOptions) -> None:
        self.plan = plan
        self.options = options
        self.state_dir = options.state_root / options.sandbox_id
        self.cgroup = SandboxCgroup(options.sandbox_id)
        self.pid = -1
        self.gofer_pid = -1

    def run(self) -> int:
        """Run the workload to its end; return its exit status (128+N for signal N)."""
        try:
            self.state_dir.mkdir(parents=True, exist_ok=False)
        except FileExistsError:
            raise SandboxError(f"sandbox {self.options.sandbox_id} already exists in "
                               f"{self.options.state_root}") from None
        cleaner = start_cleaner(self.cgroup, self.state_dir)
        try:
            if self.plan.overlay_scratch:
                os.mkdir(self.plan.overlay_scratch, 0o700)
            self.cgroup.create(self.plan.memory_limit, self.plan.pids_limit)
            return self._run_in_cgroup()
        finally:
            self._cleanup()
            cleaner.dismiss()

    def _run_in_cgroup(self) -> int:
        table = load_table("x86_64")
        platform = platform_by_name(self.options.platform)()
        platform.intercept_all = self.options.coverage == MODE_FULL
        gofer_sock = self._start_gofer()
        sentry_end, workload_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        sentry_pidfd = os.pidfd_open(os.getpid())
        error_read, error_write = os.pipe()
        kernel_log = KernelLog.open()
        self.pid = self._fork_box_init()
        if self.pid == 0:
            sentry_end.close()
            gofer_sock.close()
            os.close(error_read)
            run_workload(self.plan, platform, table, self.cgroup, workload_end, sentry_pidfd,
                         error_write)
        workload_end.close()
        os.close(sentry_pidfd)
        os.close(error_write)
        self._write_state("creating")
        # What only the sentry needs is imported and built now, while the workload
        # builds its root on the other CPU; before the fork it delayed the workload. (The
        # workload's own modules stay imported before the fork: imported in the child,
        # they cost it more than the parent saved.) The dispatcher imports every handler,
        # and the workload's first call (its execve) waits for it.
        from sentry.dispatch import Dispatcher
        from sentry.gofer_client import GoferClient
        from sentry.handlers import SandboxInfo
        from sentry.handlers.sys_utsname import utsname_bytes
        from sentry.sandbox.rootfs import volatile_trees
        from sentry.sandbox.self_confine import confine_sentry

        gofer = GoferClient(gofer_sock)
        strace = None
        if self.options.strace:
            from sentry.strace import StraceWriter  # python-ptrace: only when tracing

            strace = StraceWriter(self.options.strace, platform, self.options.strace_syscalls)
        dispatcher = Dispatcher(table, platform,
                                SandboxInfo(hostname=self.plan.hostname, gofer=gofer),
                                strace, intercept_all=platform.intercept_all)
        try:
            self._hand_root_to_gofer(sentry_end, gofer_sock)
            platform.attach(sentry_end, self.pid)
        except ConnectionError:
            return self._setup_failure(error_read)
        finally:
            sentry_end.close()
        self._write_state("running")
        if not self.options.strace:  # --strace shows every call, so Python must see it
            for tree in volatile_trees(self.plan.mounts):
                native.lib.rsc_lookups_never_remember(tree.encode())
            platform.enable_fast_path(table, utsname_bytes(self.plan.hostname),
                                      gofer_sock.fileno(), self.gofer_pid)
        confine_sentry()  # after the fast path, which may start a thread
        try:
            status = self._serve(platform, dispatcher, gofer)
        finally:
            platform.close()
            gofer.close()
        failure = os.read(error_read, 4096)  # EOF unless the exec itself failed
        if failure:
            code = self._report_setup_failure(failure, status)
            self._write_coverage(dispatcher, code, None)
            return code
        violation = None
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGSYS:
            violation = kernel_log.seccomp_kill(self.pid)
            print(f"runsc-py: security violation: {violation}; the sandbox was killed",
                  file=sys.stderr)
        elif self.cgroup.oom_killed():
            print(f"runsc-py: out of memory: the box hit its memory limit "
                  f"({self.plan.memory_limit} bytes) and the kernel killed a process",
                  file=sys.stderr)
        kernel_log.close()
        os.close(error_read)
        self._write_coverage(dispatcher, exit_status(status), violation)
        return exit_status(status)

    def _write_coverage(self, dispatcher: Dispatcher, status: int,
                        violation: str | None) -> None:
        """--coverage-out: the record of what the sentry saw, once the workload is gone."""
        if self.options.coverage_out is None:
            return
        from sentry.coverage.record import RunFacts, build_record, write_record
        from sentry.seccomp_profile import refused_names

        profile = self.plan.seccomp_profile
        facts = RunFacts(mode=self.options.coverage, platform=self.options.platform,
                         command=self.plan.args, exit_status=status,
                         security_violation=violation,
                         profile_refuses=refused_names(profile, dispatcher.table)
                         if profile else ())
        try:
            write_record(self.options.coverage_out, build_record(dispatcher.coverage, facts))
        except OSError as err:
            print(f"runsc-py: cannot write the coverage record {self.options.coverage_out}: "
                  f"{err.strerror or err}", file=sys.stderr)

    def _fork_box_init(self) -> int:
        """os.fork, the child made PID 1 of a new pid namespace if the plan asks for one.
        The sentry itself then returns to its own: the kernel refuses new threads (the
        fast path's watcher) while its children would land in another namespace."""
        if not self.plan.new_pid_namespace:
            return os.fork()
        own = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
        try:
            native.unshare(CLONE_NEWPID)
            pid = os.fork()
            if pid != 0:
                native.setns(own, CLONE_NEWPID)
        finally:
            os.close(own)
        return pid

    def _start_gofer(self) -> socket.socket:
        """Fork the gofer while the sentry is still in the host's pid namespace: the box
        must not see or signal it. It waits for the box's root fd."""
        sentry_sock, gofer_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.gofer_pid = os.fork()
        if self.gofer_pid == 0:
            sentry_sock.close()
            gofer_main(gofer_sock)
        gofer_sock.close()
        return sentry_sock

    def _hand_root_to_gofer(self, workload_sock: socket.socket,
                            gofer_sock: socket.socket) -> None:
        """The workload sends its root (an O_PATH fd of its `/` after pivot_root); the
        gofer gets it, the sentry keeps no copy."""
        _, fds, _, _ = socket.recv_fds(workload_sock, 1, 1)
        if not fds:
            raise ConnectionError("workload ended before sending its root")
        try:
            send(gofer_sock, ROOT_MESSAGE, fds[0])
        finally:
            os.close(fds[0])

    def _gofer_died(self) -> None:
        _, status = os.waitpid(self.gofer_pid, 0)
        self.gofer_pid = -1
        print(f"runsc-py: the gofer died (status {exit_status(status)}); file calls fail "
              f"with EIO; ending the sandbox", file=sys.stderr)

    def _serve(self, platform: Platform, dispatcher: Dispatcher, gofer: GoferClient) -> int:
        """Answer events until the workload exits; return its wait status."""
        pidfd = os.pidfd_open(self.pid)
        wake_read, wake_write = socket.socketpair()
        wake_read.setblocking(False)
        wake_write.setblocking(False)
        old_wakeup = signal.set_wakeup_fd(wake_write.fileno(), warn_on_full_buffer=False)
        old_handlers = {sig: signal.signal(sig, lambda *_: None) for sig in FORWARDED_SIGNALS}
        poller = select.poll()
        notify_fd = platform.fileno()
        poller.register(notify_fd, select.POLLIN)
        poller.register(pidfd, select.POLLIN)
        poller.register(wake_read.fileno(), select.POLLIN)
        gofer_pidfd = os.pidfd_open(self.gofer_pid)
        poller.register(gofer_pidfd, select.POLLIN)
        watched = [pidfd, wake_read.fileno(), gofer_pidfd]  # what wakes the fast path
        kill_deadline: float | None = None
        try:
            while True:
                timeout = -1 if kill_deadline is None else max(
                    0, int((kill_deadline - time.monotonic()) * 1000))
                for fd, mask in poller.poll(timeout):
                    if fd == notify_fd:
                        if mask & select.POLLIN:
                            event = platform.serve(watched, timeout)
                            dispatcher.record_fast_answers(platform.drain_fast_answers())
                            if event is not None:
                                dispatcher.answer(event)
                        elif mask & (select.POLLHUP | select.POLLERR):
                            poller.unregister(notify_fd)  # no filter user left
                    elif fd == gofer_pidfd:
                        poller.unregister(gofer_pidfd)
                        watched.remove(gofer_pidfd)
                        self._gofer_died()
                        kill_deadline = kill_deadline or (time.monotonic() + KILL_GRACE_SECONDS)
                    elif fd == wake_read.fileno():
                        for signum in wake_read.recv(64):
                            self._forward(signum)
                            kill_deadline = kill_deadline or (
                                time.monotonic() + KILL_GRACE_SECONDS)
                if kill_deadline is not None and time.monotonic() >= kill_deadline:
                    self.cgroup.kill_all()
                status = platform.workload_exited(self.pid)
                if status is not None:
                    if gofer_pidfd in watched and not gofer.alive and select.select(
                            [gofer_pidfd], [], [], KILL_GRACE_SECONDS)[0]:
                        # The workload met the gofer's death (EIO) and ended before its
                        # exit was seen here: it is reported all the same.
                        self._gofer_died()
                    return status
        finally:
            signal.set_wakeup_fd(old_wakeup)
            for sig, handler in old_handlers.items():
                signal.signal(sig, handler)
            wake_read.close()
            wake_write.close()
            os.close(pidfd)
            os.close(gofer_pidfd)

    def _forward(self, signum: int) -> None:
        log.debug("forwarding signal %d to the workload", signum)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signum)

    def _setup_failure(self, error_read: int) -> int:
        """The workload died before its filter was loaded."""
        failure = os.read(error_read, 4096)
        os.close(error_read)
        _, status = os.waitpid(self.pid, 0)
        self.pid = -1
        return self._report_setup_failure(failure, status)

    @staticmethod
    def _report_setup_failure(failure: bytes, status: int) -> int:
        """Print the workload's one-line reason; exit with the status it chose."""
        code, _, text = failure.decode(errors="replace").partition(":")
        if not text:
            print(f"runsc-py: workload died during setup (status {exit_status(status)})",
                  file=sys.stderr)
            return EXIT_SETUP_FAILED
        print(f"runsc-py: {text}", file=sys.stderr)
        return int(code) if code.isdigit() else EXIT_SETUP_FAILED

    def _write_state(self, status: str) -> None:
        state = {"id": self.options.sandbox_id, "pid": self.pid, "status": status,
                 "rootfs": self.plan.rootfs, "sentry_pid": os.getpid()}
        tmp = self.state_dir / "state.json.tmp"
        tmp.write_text(json.dumps(state))
        tmp.replace(self.state_dir / "state.json")

    def _cleanup(self) -> None:
        if self.gofer_pid > 0:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.gofer_pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.gofer_pid, 0)
        self.cgroup.destroy()
        if self.pid > 0:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
        if self.plan.overlay_scratch:
            with contextlib.suppress(FileNotFoundError):
                os.rmdir(self.plan.overlay_scratch)
        for leftover in ("state.json", "state.json.tmp"):
            with contextlib.suppress(FileNotFoundError):
                (self.state_dir / leftover).unlink()
        with contextlib.suppress(FileNotFoundError):
            self.state_dir.rmdir()
