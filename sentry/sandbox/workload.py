"""The workload side of the fork: become the box, load the filter, exec.

Runs in the forked child, which is PID 1 of the box's pid namespace. Every step that
fails is reported to the sentry over `error_fd` as one line, and the child exits; the
sentry prints the line. On success the error pipe closes at exec (it is CLOEXEC).
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import sys
from typing import NoReturn

from sentry import native
from sentry.platform.base import Platform
from sentry.sandbox import credentials, rootfs
from sentry.sandbox.namespaces import (
    CLONE_NEWCGROUP,
    CLONE_NEWNET,
    CLONE_NEWUTS,
    bring_up_loopback,
)
from sentry.sandbox.plan import WorkloadPlan
from sentry.seccomp_filter import SeccompFilter
from sentry.seccomp_profile import ProfileFilter
from syscall_tables import SyscallTable, load_table

PR_SET_PDEATHSIG = 1
SETUP_FAILED = 1
EXEC_NOT_FOUND = 127
EXEC_NOT_EXECUTABLE = 126


class SetupError(Exception):
    def __init__(self, message: str, status: int = SETUP_FAILED) -> None:
        super().__init__(message)
        self.status = status


def run_workload(plan: WorkloadPlan, platform: Platform, table: SyscallTable,
                 channel: socket.socket, go_fd: int, error_fd: int) -> NoReturn:
    try:
        _become_box(plan, platform, table, channel, go_fd, error_fd)
        _exec(plan)
    except SetupError as err:
        _report(error_fd, err.status, str(err))
    except OSError as err:
        _report(error_fd, SETUP_FAILED, f"sandbox setup: {err.strerror or err}"
                + (f": {err.filename}" if err.filename else ""))
    except BaseException as err:  # noqa: BLE001 - the child must never return to the CLI
        _report(error_fd, SETUP_FAILED, f"sandbox setup: {err!r}")
    os._exit(SETUP_FAILED)


def _report(error_fd: int, status: int, message: str) -> NoReturn:
    try:
        os.write(error_fd, f"{status}:{message}".encode(errors="replace")[:4000])
    finally:
        os._exit(status)


def _become_box(plan: WorkloadPlan, platform: Platform, table: SyscallTable,
                channel: socket.socket, go_fd: int, error_fd: int) -> None:
    # The box dies with its sentry (DESIGN rule 5); the go byte proves the sentry was
    # still alive after PDEATHSIG was armed and that it put us in the cgroups.
    native.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_DFL)
    # No controlling tty: TIOCSTI on the caller's terminal fails (legacy_tiocsti is on).
    os.setsid()
    # Everything up to the cgroup namespace is built while the sentry moves us into the
    # cgroups, where the first move waits idle in the kernel for an RCU grace period
    # (5-17 ms here); nothing of it depends on which cgroup we are in.
    seccomp = SeccompFilter(table, platform.intercept_action(),
                            set_no_new_privs=plan.no_new_privileges,
                            intercept_all=platform.intercept_all)
    native.unshare(plan.namespace_flags & ~CLONE_NEWCGROUP)
    if plan.namespace_flags & CLONE_NEWNET:
        bring_up_loopback()
    if plan.namespace_flags & CLONE_NEWUTS:
        socket.sethostname(plan.hostname)
    root = _RootBuild(plan)
    if os.read(go_fd, 1) != b"G":
        os._exit(SETUP_FAILED)
    os.close(go_fd)
    # The cgroup namespace is rooted at the cgroup we are in when it is made: the box's.
    if plan.namespace_flags & CLONE_NEWCGROUP:
        native.unshare(CLONE_NEWCGROUP)
    root.finish()
    _send_root(channel)

    credentials.apply_rlimits(plan.rlimits)
    _close_inherited_fds(keep=(channel.fileno(), error_fd))
    if not plan.no_new_privileges:
        # Without no_new_privs the filter needs CAP_SYS_ADMIN: load it before dropping.
        _load_filter(plan, platform, seccomp, channel)
    credentials.switch_user(plan.uid, plan.gid, plan.groups, plan.umask)
    if plan.capabilities is not None:
        caps = plan.capabilities
        credentials.apply_capabilities(caps.bounding, caps.effective, caps.permitted,
                                       caps.inheritable, caps.ambient)
    try:
        os.chdir(plan.cwd)
    except OSError as err:
        raise SetupError(f"process.cwd {plan.cwd}: {err.strerror}") from err
    if plan.no_new_privileges:
        credentials.set_no_new_privs()
        _load_filter(plan, platform, seccomp, channel)


class _RootBuild:
    """The box's root in two steps: made and mounted as far as the first cgroup mount at
    once, finished (that mount onwards, /dev, pivot_root, masks) once the box is in its
    cgroups and cgroup namespace, so a cgroup mount shows the box's own hierarchy."""

    def __init__(self, plan: WorkloadPlan) -> None:
        self.plan = plan
        rootfs.isolate_mount_namespace()
        if plan.overlay_scratch:
            self.new_root = rootfs.overlay_root(plan.rootfs, plan.overlay_scratch)
        else:
            self.new_root = rootfs.bind_root(plan.rootfs)
        self.tree = rootfs.RootTree(self.new_root)
        first_cgroup = next((i for i, m in enumerate(plan.mounts)
                             if m.type in rootfs.CGROUP_TYPES), len(plan.mounts))
        self.later = plan.mounts[first_cgroup:]
        try:
            rootfs.mount_all(self.tree, plan.mounts[:first_cgroup])
        except BaseException:
            self.tree.close()
            raise

    def finish(self) -> None:
        try:
            rootfs.mount_all(self.tree, self.later)
            rootfs.populate_dev(self.tree)
        finally:
            self.tree.close()
        rootfs.pivot_into(self.new_root)
        rootfs.mask_paths(self.plan.masked_paths)
        rootfs.make_readonly(self.plan.readonly_paths)
        if self.plan.root_readonly:
            rootfs.readonly_root()


def _send_root(channel: socket.socket) -> None:
    """The gofer serves the box's tree through this fd of its new `/`."""
    root = os.open("/", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        socket.send_fds(channel, [b"R"], [root])
    finally:
        os.close(root)


def _close_inherited_fds(keep: tuple[int, ...]) -> None:
    """Only stdio and our two channels cross into the box (the CVE-2024-21626 class)."""
    low = 3
    for fd in sorted(keep):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, os.sysconf("SC_OPEN_MAX"))


def _load_filter(plan: WorkloadPlan, platform: Platform, seccomp: SeccompFilter,
                 channel: socket.socket) -> None:
    # The bundle's linux.seccomp is built before any filter is loaded (building makes
    # syscalls) and loaded after the hand-off, so it need not allow the sandbox's own.
    profile = (ProfileFilter(plan.seccomp_profile, load_table("x86_64"),
                             platform_calls=platform.own_calls,
                             platform_mark=platform.own_call_mark)
               if plan.seccomp_profile else None)
    platform.load_filter_in_workload(channel, seccomp)
    channel.close()
    if profile is not None:
        profile.load()


def _exec(plan: WorkloadPlan) -> NoReturn:
    sys.stdout.flush()
    try:
        os.execvpe(plan.args[0], list(plan.args), plan.env)
    except OSError as err:
        status = EXEC_NOT_FOUND if err.errno == errno.ENOENT else EXEC_NOT_EXECUTABLE
        raise SetupError(f"exec {plan.args[0]}: {err.strerror}", status) from err
