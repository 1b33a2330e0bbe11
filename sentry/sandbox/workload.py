"""The workload side of the fork: become the box, load the filter, exec.

Runs in the forked child, which is PID 1 of the box's pid namespace. Every step that
fails is reported to the sentry over `error_fd` as one line, and the child exits; the
sentry prints the line. On success the error pipe closes at exec (it is CLOEXEC).
"""

from __future__ import annotations

import errno
import os
import select
import signal
import socket
import sys
from typing import NoReturn

from sentry import native
from sentry.platform.base import Platform
from sentry.sandbox import credentials, rootfs
from sentry.sandbox.cgroups import SandboxCgroup
from sentry.sandbox.namespaces import CLONE_NEWNET, CLONE_NEWUTS, bring_up_loopback
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
                 cgroup: SandboxCgroup, channel: socket.socket, sentry_pidfd: int,
                 error_fd: int) -> NoReturn:
    try:
        _become_box(plan, platform, table, cgroup, channel, sentry_pidfd, error_fd)
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
                cgroup: SandboxCgroup, channel: socket.socket, sentry_pidfd: int,
                error_fd: int) -> None:
    # The box dies with its sentry (DESIGN rule 5): a sentry gone before PDEATHSIG was
    # armed shows as its pidfd readable.
    native.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if select.select([sentry_pidfd], [], [], 0)[0]:
        os._exit(SETUP_FAILED)
    os.close(sentry_pidfd)
    cgroup.enter()  # first: every process of the box, its PID 1 included, is in them
    # Built here, not in the sentry before the fork: the sentry meanwhile builds its
    # dispatcher, on the other CPU.
    seccomp = SeccompFilter(table, platform.intercept_action(),
                            set_no_new_privs=plan.no_new_privileges,
                            intercept_all=platform.intercept_all)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_DFL)

    # No controlling tty: TIOCSTI on the caller's terminal fails (legacy_tiocsti is on).
    os.setsid()
    native.unshare(plan.namespace_flags)
    if plan.namespace_flags & CLONE_NEWNET:
        bring_up_loopback()
    if plan.namespace_flags & CLONE_NEWUTS:
        socket.sethostname(plan.hostname)
    _build_root(plan)
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


def _build_root(plan: WorkloadPlan) -> None:
    rootfs.isolate_mount_namespace()
    if plan.overlay_scratch:
        new_root = rootfs.overlay_root(plan.rootfs, plan.overlay_scratch)
    else:
        new_root = rootfs.bind_root(plan.rootfs)
    tree = rootfs.RootTree(new_root)
    try:
        rootfs.mount_all(tree, plan.mounts)
        rootfs.populate_dev(tree)
    finally:
        tree.close()
    rootfs.pivot_into(new_root)
    rootfs.mask_paths(plan.masked_paths)
    rootfs.make_readonly(plan.readonly_paths)
    if plan.root_readonly:
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
