"""The gofer confines itself before serving (DESIGN rule 5): it lives in the box's root
(chroot), is not dumpable, keeps only the capabilities that let it take on a caller's
file permissions, and runs under a seccomp allowlist of the calls its loop makes."""

from __future__ import annotations

import errno
import os

from gofer.server import GOFER_CAPS
from sentry import native
from sentry.native import check, lib
from sentry.sandbox import credentials
from syscall_tables import load_table

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4

ALLOWED_SYSCALLS = (
    # the request loop and Python's runtime
    "read", "write", "close", "recvmsg", "sendmsg", "recvfrom", "sendto", "brk", "mmap",
    "munmap", "mremap",
    "madvise", "mprotect", "futex", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn",
    "sigaltstack", "getpid", "gettid", "exit", "exit_group", "lseek", "fcntl", "dup",
    "getrandom", "clock_gettime", "fstat", "newfstatat", "getcwd",
    # the filesystem operations of PROTOCOL.md
    "openat2", "openat", "statx", "fstatfs", "readlinkat", "getdents64", "mkdirat", "mknodat",
    "unlinkat", "renameat2", "symlinkat", "linkat", "fchmodat", "fchmodat2", "fchownat",
    "utimensat", "ftruncate", "faccessat2", "bind", "connect", "getsockopt", "getsockname",
    "fchdir", "chdir",
    # taking on each caller's credentials
    "setfsuid", "setfsgid", "setgroups", "capset", "capget",
)


def confine(root_fd: int, keep_fds: tuple[int, ...]) -> None:
    native.prctl(PR_SET_PDEATHSIG, 9)
    native.prctl(PR_SET_DUMPABLE, 0)
    low = 3
    for fd in sorted(keep_fds):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, os.sysconf("SC_OPEN_MAX"))
    keep = [cap for cap in range(credentials.last_capability() + 1) if GOFER_CAPS >> cap & 1]
    os.fchdir(root_fd)
    os.chroot(".")
    os.chdir("/")
    os.umask(0)  # the sentry applies each caller's umask
    credentials.apply_capabilities(bounding=keep, effective=keep, permitted=keep,
                                   inheritable=(), ambient=())
    credentials.set_no_new_privs()
    _load_allowlist()


def _load_allowlist() -> None:
    table = load_table("x86_64")
    ctx = lib.seccomp_init(lib.rsc_act_errno(errno.EPERM))
    try:
        check(lib.seccomp_attr_set(ctx, lib.SCMP_FLTATR_ACT_BADARCH, lib.SCMP_ACT_KILL_PROCESS))
        for name in ALLOWED_SYSCALLS:
            check(lib.seccomp_rule_add_exact_array(ctx, lib.SCMP_ACT_ALLOW,
                                                   table.by_name[name].number, 0,
                                                   native.ffi.NULL), name)
        check(lib.seccomp_load(ctx), "seccomp_load (gofer)")
    finally:
        lib.seccomp_release(ctx)
