"""Path calls that open, create, link, remove or change files: each is resolved and done
by the gofer under the caller's credentials; an opened file comes back as an fd that
the platform installs in the caller (ADDFD + SEND), never as a path the kernel re-reads."""

from __future__ import annotations

import errno
import fcntl
import os
import struct

from gofer.protocol import Op
from sentry.handlers import SyscallCall, syscall_handler
from sentry.handlers.paths import AT_EMPTY_PATH, AT_FDCWD, PathCall, as_int32
from sentry.native import lib
from sentry.platform.base import Response

AT_SYMLINK_NOFOLLOW = 0x100
AT_REMOVEDIR = 0x200
OK = Response(value=0)


def _open(call: SyscallCall, dirfd: int, path_address: int, flags: int, mode: int) -> Response:
    ctx = PathCall(call)
    path = ctx.path_at(dirfd, path_address)
    flags &= 0xFFFF_FFFF
    cloexec = os.O_CLOEXEC if flags & os.O_CLOEXEC else 0
    alias = ctx.fd_alias(path)
    if alias is not None:
        return Response(install_fd=_reopen(ctx, alias, flags), install_fd_flags=cloexec)
    mode = (mode & 0o7777) & ~ctx.creds.umask
    reply = ctx.gofer(Op.OPEN, path, ints=(flags, mode))
    if flags & os.O_PATH:
        # ADDFD cannot install O_PATH files (the kernel's fget refuses them). The gofer
        # resolved the path in the box's root; the kernel opens it again, in the box's
        # mount namespace. An O_PATH fd grants no read or write access by itself.
        if reply.fd is not None:
            os.close(reply.fd)
        return Response(continue_call=True)
    return Response(install_fd=reply.fd, install_fd_flags=cloexec)


def _reopen(ctx: PathCall, fd: int, flags: int) -> int:
    """Reopen one of the caller's own fds (/dev/stdin, /dev/fd/N). The sentry holds more
    privilege than the caller, so the new open may not ask for more access than the fd
    already grants."""
    own = ctx.caller_fd(fd)
    try:
        granted = fcntl.fcntl(own, fcntl.F_GETFL) & os.O_ACCMODE
        wanted = flags & os.O_ACCMODE
        if wanted != granted and granted != os.O_RDWR:
            raise OSError(errno.EACCES, "reopen with more access than the fd grants")
        return os.open(f"/proc/self/fd/{own}", (flags & ~(os.O_CREAT | os.O_EXCL))
                       | os.O_CLOEXEC)
    finally:
        os.close(own)


@syscall_handler("open")
def sys_open(call: SyscallCall) -> Response:
    return _open(call, AT_FDCWD, call.args[0], call.args[1], call.args[2])


@syscall_handler("openat")
def sys_openat(call: SyscallCall) -> Response:
    return _open(call, call.args[0], call.args[1], call.args[2], call.args[3])


@syscall_handler("creat")
def sys_creat(call: SyscallCall) -> Response:
    return _open(call, AT_FDCWD, call.args[0], os.O_CREAT | os.O_WRONLY | os.O_TRUNC,
                 call.args[1])


def _mkdir(call: SyscallCall, dirfd: int, path_address: int, mode: int) -> Response:
    ctx = PathCall(call)
    ctx.gofer(Op.MKDIR, ctx.path_at(dirfd, path_address),
              ints=((mode & 0o7777) & ~ctx.creds.umask,))
    return OK


@syscall_handler("mkdir")
def sys_mkdir(call: SyscallCall) -> Response:
    return _mkdir(call, AT_FDCWD, call.args[0], call.args[1])


@syscall_handler("mkdirat")
def sys_mkdirat(call: SyscallCall) -> Response:
    return _mkdir(call, call.args[0], call.args[1], call.args[2])


def _mknod(call: SyscallCall, dirfd: int, path_address: int, mode: int, dev: int) -> Response:
    ctx = PathCall(call)
    mode &= 0xFFFF_FFFF
    mode = (mode & ~0o7777) | ((mode & 0o7777) & ~ctx.creds.umask)
    ctx.gofer(Op.MKNOD, ctx.path_at(dirfd, path_address), ints=(mode, dev & 0xFFFF_FFFF))
    return OK


@syscall_handler("mknod")
def sys_mknod(call: SyscallCall) -> Response:
    return _mknod(call, AT_FDCWD, call.args[0], call.args[1], call.args[2])


@syscall_handler("mknodat")
def sys_mknodat(call: SyscallCall) -> Response:
    return _mknod(call, call.args[0], call.args[1], call.args[2], call.args[3])


def _unlink(call: SyscallCall, dirfd: int, path_address: int, flags: int) -> Response:
    ctx = PathCall(call)
    if flags & ~AT_REMOVEDIR:
        return Response.error(errno.EINVAL)
    ctx.gofer(Op.UNLINK, ctx.path_at(dirfd, path_address), ints=(flags,))
    return OK


@syscall_handler("unlink")
def sys_unlink(call: SyscallCall) -> Response:
    return _unlink(call, AT_FDCWD, call.args[0], 0)


@syscall_handler("rmdir")
def sys_rmdir(call: SyscallCall) -> Response:
    return _unlink(call, AT_FDCWD, call.args[0], AT_REMOVEDIR)


@syscall_handler("unlinkat")
def sys_unlinkat(call: SyscallCall) -> Response:
    return _unlink(call, call.args[0], call.args[1], call.args[2] & 0xFFFF_FFFF)


def _two_paths(call: SyscallCall, op: Op, old: tuple[int, int], new: tuple[int, int],
               flags: int) -> Response:
    ctx = PathCall(call)
    ctx.gofer(op, ctx.path_at(*old), ctx.path_at(*new), ints=(flags & 0xFFFF_FFFF,))
    return OK


@syscall_handler("rename")
def sys_rename(call: SyscallCall) -> Response:
    a = call.args
    return _two_paths(call, Op.RENAME, (AT_FDCWD, a[0]), (AT_FDCWD, a[1]), 0)


@syscall_handler("renameat")
def sys_renameat(call: SyscallCall) -> Response:
    a = call.args
    return _two_paths(call, Op.RENAME, (a[0], a[1]), (a[2], a[3]), 0)


@syscall_handler("renameat2")
def sys_renameat2(call: SyscallCall) -> Response:
    a = call.args
    return _two_paths(call, Op.RENAME, (a[0], a[1]), (a[2], a[3]), a[4])


@syscall_handler("link")
def sys_link(call: SyscallCall) -> Response:
    a = call.args
    return _two_paths(call, Op.LINK, (AT_FDCWD, a[0]), (AT_FDCWD, a[1]), 0)


@syscall_handler("linkat")
def sys_linkat(call: SyscallCall) -> Response:
    a = call.args
    if a[4] & AT_EMPTY_PATH:
        return Response.error(errno.ENOENT)  # linking an fd needs CAP_DAC_READ_SEARCH
    return _two_paths(call, Op.LINK, (a[0], a[1]), (a[2], a[3]), a[4])


def _symlink(call: SyscallCall, target_address: int, dirfd: int, path_address: int
             ) -> Response:
    ctx = PathCall(call)
    target = ctx.read_path(target_address)  # stored as written: never resolved here
    if not target:
        return Response.error(errno.ENOENT)
    ctx.gofer(Op.SYMLINK, target, ctx.path_at(dirfd, path_address))
    return OK


@syscall_handler("symlink")
def sys_symlink(call: SyscallCall) -> Response:
    return _symlink(call, call.args[0], AT_FDCWD, call.args[1])


@syscall_handler("symlinkat")
def sys_symlinkat(call: SyscallCall) -> Response:
    return _symlink(call, call.args[0], call.args[1], call.args[2])


def _on_path_or_fd(call: SyscallCall, op: Op, dirfd: int, path_address: int, at_flags: int,
                   ints: tuple[int, ...], blob: bytes = b"") -> Response:
    """A change to a file named by path, or by the caller's fd when the path is empty
    with AT_EMPTY_PATH (or NULL for utimensat): the fd form goes to the gofer too, so
    the change is made with the caller's permissions, not the sentry's."""
    ctx = PathCall(call)
    path = ctx.read_path(path_address) if path_address else b""
    if path or not (at_flags & AT_EMPTY_PATH or path_address == 0):
        full = ctx.box_path(dirfd, path)
        alias = ctx.fd_alias(full)  # /proc/self/fd/N, as gnulib's lchmod uses: the fd
        if alias is None:
            ctx.gofer(op, full, ints=ints, blob=blob)
            return OK
        dirfd = alias
    elif as_int32(dirfd) == AT_FDCWD:
        ctx.gofer(op, ctx.base(dirfd), ints=ints, blob=blob)
        return OK
    own = ctx.caller_fd(dirfd)
    try:
        ctx.gofer(op, ints=ints, blob=blob, fd=own)
    finally:
        os.close(own)
    return OK


@syscall_handler("chmod")
def sys_chmod(call: SyscallCall) -> Response:
    return _on_path_or_fd(call, Op.CHMOD, AT_FDCWD, call.args[0], 0, (call.args[1], 0))


@syscall_handler("fchmodat")
def sys_fchmodat(call: SyscallCall) -> Response:
    return _on_path_or_fd(call, Op.CHMOD, call.args[0], call.args[1], 0, (call.args[2], 0))


@syscall_handler("fchmodat2")
def sys_fchmodat2(call: SyscallCall) -> Response:
    flags = call.args[3] & 0xFFFF_FFFF
    return _on_path_or_fd(call, Op.CHMOD, call.args[0], call.args[1], flags,
                          (call.args[2], flags & AT_SYMLINK_NOFOLLOW))


@syscall_handler("chown")
def sys_chown(call: SyscallCall) -> Response:
    a = call.args
    return _on_path_or_fd(call, Op.CHOWN, AT_FDCWD, a[0], 0, (a[1], a[2], 0))


@syscall_handler("lchown")
def sys_lchown(call: SyscallCall) -> Response:
    a = call.args
    return _on_path_or_fd(call, Op.CHOWN, AT_FDCWD, a[0], 0, (a[1], a[2], AT_SYMLINK_NOFOLLOW))


@syscall_handler("fchownat")
def sys_fchownat(call: SyscallCall) -> Response:
    a = call.args
    flags = a[4] & 0xFFFF_FFFF
    return _on_path_or_fd(call, Op.CHOWN, a[0], a[1], flags,
                          (a[2], a[3], flags & AT_SYMLINK_NOFOLLOW))


def _utimens(call: SyscallCall, dirfd: int, path_address: int, times: bytes | None,
             flags: int) -> Response:
    blob = times or b""
    return _on_path_or_fd(call, Op.UTIMENS, dirfd, path_address, flags,
                          (flags & AT_SYMLINK_NOFOLLOW, int(times is not None)), blob)


@syscall_handler("utimensat")
def sys_utimensat(call: SyscallCall) -> Response:
    a = call.args
    if not a[1]:
        # futimens: the fd's own file, changed by the kernel with the caller's rights, as
        # fchmod is; no path and no decision here (the times are the kernel's to read).
        return attributes_change(call)
    times = call.read(a[2], 32) if a[2] else None
    return _utimens(call, a[0], a[1], times, a[3] & 0xFFFF_FFFF)


def _timevals(call: SyscallCall, address: int) -> bytes | None:
    """struct timeval[2] -> struct timespec[2]; NULL means now."""
    if not address:
        return None
    a_sec, a_usec, m_sec, m_usec = struct.unpack("<4q", call.read(address, 32))
    if not (0 <= a_usec < 1_000_000 and 0 <= m_usec < 1_000_000):
        raise OSError(errno.EINVAL, "bad timeval")
    return struct.pack("<4q", a_sec, a_usec * 1000, m_sec, m_usec * 1000)


@syscall_handler("utimes")
def sys_utimes(call: SyscallCall) -> Response:
    return _utimens(call, AT_FDCWD, call.args[0], _timevals(call, call.args[1]), 0)


@syscall_handler("futimesat")
def sys_futimesat(call: SyscallCall) -> Response:
    a = call.args
    return _utimens(call, a[0], a[1], _timevals(call, a[2]), 0)


@syscall_handler("utime")
def sys_utime(call: SyscallCall) -> Response:
    times = None
    if call.args[1]:
        actime, modtime = struct.unpack("<2q", call.read(call.args[1], 16))
        times = struct.pack("<4q", actime, 0, modtime, 0)
    return _utimens(call, AT_FDCWD, call.args[0], times, 0)


@syscall_handler("truncate")
def sys_truncate(call: SyscallCall) -> Response:
    length = call.args[1]
    if length & (1 << 63):
        return Response.error(errno.EINVAL)
    ctx = PathCall(call)
    ctx.gofer(Op.TRUNCATE, ctx.path_at(AT_FDCWD, call.args[0]), ints=(length,))
    return OK


@syscall_handler("chdir")
def sys_chdir(call: SyscallCall) -> Response:
    """The gofer checks the directory; the kernel then changes the cwd itself (seccomp
    cannot make the caller fchdir). The kernel re-reads the path, but resolves it in the
    box's mount namespace, whose root is the box: a path swapped in between can only name
    another directory of the box, which the caller could enter anyway."""
    ctx = PathCall(call)
    ctx.gofer(Op.CHECK_DIR, ctx.path_at(AT_FDCWD, call.args[0]))
    return Response(continue_call=True)


@syscall_handler("fchmod", "fchown", "fsetxattr", "fremovexattr", "setxattr", "lsetxattr",
                 "removexattr", "lremovexattr")
def attributes_change(call: SyscallCall) -> Response:
    """The kernel applies it as made: nothing here decides on the arguments. Intercepted
    only so the C fast path forgets the stat and access answers it remembers
    (csrc/fastpath.c): a change that reaches Python must be forgotten there too."""
    lib.rsc_lookups_forget()
    return Response(continue_call=True)
