"""Path calls that look at files: stat, statx, statfs, access, readlink. The gofer
returns the kernel's own structs, which the sentry copies into the caller unchanged."""

from __future__ import annotations

import errno
import os

from gofer.protocol import IDENTITY, Op
from sentry.handlers import SyscallCall, syscall_handler
from sentry.handlers.paths import AT_EACCESS, AT_EMPTY_PATH, AT_FDCWD, PathCall, as_int32
from sentry.native import check, ffi, lib
from sentry.platform.base import Response

AT_SYMLINK_NOFOLLOW = 0x100
STAT_SIZE = 144
STATX_SIZE = 256


def _stat_caller_fd(ctx: PathCall, fd: int, size: int, flags: int, mask: int) -> bytes:
    """fstat of the caller's own fd: no path, no permission involved, so the sentry
    does it on a copy of the fd."""
    own = ctx.caller_fd(fd)
    buf = ffi.new(f"char[{size}]")
    try:
        if size == STATX_SIZE:
            check(lib.rsc_statx_raw(own, b"", flags | AT_EMPTY_PATH, mask, buf))
        else:
            check(lib.rsc_fstatat_raw(own, b"", AT_EMPTY_PATH, buf))
    finally:
        os.close(own)
    return bytes(ffi.buffer(buf, size))


def _stat(call: SyscallCall, dirfd: int, path_address: int, out: int, flags: int,
          statx_mask: int | None = None) -> Response:
    ctx = PathCall(call)
    size = STAT_SIZE if statx_mask is None else STATX_SIZE
    path = ctx.read_path(path_address) if path_address else b""
    if not path and flags & AT_EMPTY_PATH:
        if as_int32(dirfd) == AT_FDCWD:
            path = ctx.base(dirfd)
        else:
            call.write(out, _stat_caller_fd(ctx, dirfd, size, flags & ~AT_EMPTY_PATH,
                                            statx_mask or 0))
            return Response(value=0)
    full = ctx.box_path(dirfd, path)
    alias = ctx.fd_alias(full) if not flags & AT_SYMLINK_NOFOLLOW else None
    if alias is not None:
        data = _stat_caller_fd(ctx, alias, size, flags & ~AT_EMPTY_PATH, statx_mask or 0)
    elif statx_mask is None:
        data = ctx.gofer(Op.STAT, full, ints=(flags & AT_SYMLINK_NOFOLLOW,)).payload
    else:
        data = ctx.gofer(Op.STATX, full, ints=(flags & ~AT_EMPTY_PATH, statx_mask)).payload
    call.write(out, data)
    return Response(value=0)


@syscall_handler("stat")
def sys_stat(call: SyscallCall) -> Response:
    return _stat(call, AT_FDCWD, call.args[0], call.args[1], 0)


@syscall_handler("lstat")
def sys_lstat(call: SyscallCall) -> Response:
    return _stat(call, AT_FDCWD, call.args[0], call.args[1], AT_SYMLINK_NOFOLLOW)


@syscall_handler("newfstatat")
def sys_newfstatat(call: SyscallCall) -> Response:
    a = call.args
    return _stat(call, a[0], a[1], a[2], a[3] & 0xFFFF_FFFF)


@syscall_handler("statx")
def sys_statx(call: SyscallCall) -> Response:
    a = call.args
    return _stat(call, a[0], a[1], a[4], a[2] & 0xFFFF_FFFF, statx_mask=a[3] & 0xFFFF_FFFF)


@syscall_handler("statfs")
def sys_statfs(call: SyscallCall) -> Response:
    ctx = PathCall(call)
    reply = ctx.gofer(Op.STATFS, ctx.path_at(AT_FDCWD, call.args[0]))
    call.write(call.args[1], reply.payload)
    return Response(value=0)


def _access(call: SyscallCall, dirfd: int, path_address: int, mode: int, flags: int
            ) -> Response:
    if mode & ~0o7 or flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH):
        return Response.error(errno.EINVAL)
    ctx = PathCall(call)
    path = ctx.read_path(path_address)
    if not path and flags & AT_EMPTY_PATH:
        path = ctx.base(dirfd)
    ctx.gofer(Op.ACCESS, ctx.box_path(dirfd, path),
              ints=(mode, flags & AT_SYMLINK_NOFOLLOW), real_ids=not flags & AT_EACCESS)
    return Response(value=0)


@syscall_handler("access")
def sys_access(call: SyscallCall) -> Response:
    return _access(call, AT_FDCWD, call.args[0], call.args[1] & 0xFFFF_FFFF, 0)


@syscall_handler("faccessat")
def sys_faccessat(call: SyscallCall) -> Response:
    return _access(call, call.args[0], call.args[1], call.args[2] & 0xFFFF_FFFF, 0)


@syscall_handler("faccessat2")
def sys_faccessat2(call: SyscallCall) -> Response:
    a = call.args
    return _access(call, a[0], a[1], a[2] & 0xFFFF_FFFF, a[3] & 0xFFFF_FFFF)


def _readlink(call: SyscallCall, dirfd: int, path_address: int, out: int, size: int
              ) -> Response:
    size = as_int32(size)
    if size <= 0:
        return Response.error(errno.EINVAL)
    ctx = PathCall(call)
    path = ctx.path_at(dirfd, path_address)
    own = ctx.own_proc_link(path)
    if own is not None:
        # The caller's own exe/cwd/root/fd links: the gofer may not read another task's
        # (it lacks the caller's capabilities); the kernel prints them from the box's root.
        text = os.readlink(own.encode())[:size]
    else:
        # the text, then the identity of the link itself (for the C half's memory)
        text = ctx.gofer(Op.READLINK, path).payload[:-IDENTITY.size][:size]
    call.write(out, text)
    return Response(value=len(text))


@syscall_handler("readlink")
def sys_readlink(call: SyscallCall) -> Response:
    a = call.args
    return _readlink(call, AT_FDCWD, a[0], a[1], a[2])


@syscall_handler("readlinkat")
def sys_readlinkat(call: SyscallCall) -> Response:
    a = call.args
    return _readlink(call, a[0], a[1], a[2], a[3])
