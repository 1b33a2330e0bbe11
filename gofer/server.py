"""The gofer's request handlers: each resolves its path(s) inside the box's root and does
one filesystem operation under the caller's credentials."""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import stat
import struct
from collections.abc import Callable, Iterator

from gofer.protocol import (
    IDENTITY,
    MAX_DATAGRAM,
    Caller,
    Op,
    ProtocolError,
    Reply,
    Request,
    decode_request,
    encode_reply,
    send,
)
from sentry import native
from sentry.native import ffi, lib

RESOLVE = lib.RESOLVE_IN_ROOT | lib.RESOLVE_NO_MAGICLINKS
AT_SYMLINK_NOFOLLOW = 0x100
AT_REMOVEDIR = 0x200
AT_SYMLINK_FOLLOW = 0x400
AT_EMPTY_PATH = 0x1000
AT_EACCESS = 0x200
# The file capabilities a caller may bring (CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER,
# FSETID); SETGID and SETUID let the gofer take on each caller's fs ids.
FILE_CAPS = 0b11111
SWITCH_CAPS = (1 << 6) | (1 << 7)
GOFER_CAPS = FILE_CAPS | SWITCH_CAPS


class Gofer:
    """Serves one box: `root_fd` is the box's `/` (an O_PATH fd from its mount tree)."""

    def __init__(self, root_fd: int) -> None:
        self.root_fd = root_fd
        # OPEN, STAT, STATX, ACCESS, READLINK, CHECK_DIR and CHECK_EXEC are answered in C
        # (csrc/gofer_fast.c), which takes every well-formed request for them: one that
        # reaches Python is not.
        self.ops: dict[Op, Callable[[Request], Reply]] = {
            Op.MKDIR: self.mkdir, Op.MKNOD: self.mknod, Op.UNLINK: self.unlink,
            Op.RENAME: self.rename, Op.SYMLINK: self.symlink, Op.LINK: self.link,
            Op.CHMOD: self.chmod, Op.CHOWN: self.chown, Op.UTIMENS: self.utimens,
            Op.TRUNCATE: self.truncate, Op.STATFS: self.statfs, Op.BIND: self.bind,
            Op.CONNECT: self.connect,
        }

    def handle(self, req: Request) -> Reply:
        handler = self.ops.get(req.op)
        if handler is None:
            return Reply(-errno.EPROTO)
        try:
            self._become(req.caller)
            return handler(req)
        except OSError as err:
            return Reply(-(err.errno or errno.EIO))

    def _become(self, caller: Caller) -> None:
        """Take on the caller's fs ids, groups and file capabilities, so the kernel's
        permission checks are the caller's own (shared with the C loop, which remembers
        whose they are)."""
        groups = ffi.new("uint32_t[]", list(caller.groups) or [0])
        native.check(lib.rsc_gofer_become(caller.fsuid, caller.fsgid, groups,
                                          len(caller.groups), caller.cap_effective),
                     "taking on the caller's credentials")

    # -- resolution ------------------------------------------------------------------
    def _open(self, path: bytes, flags: int, mode: int = 0) -> int:
        return native.openat2(self.root_fd, path, flags, RESOLVE, mode)

    @contextlib.contextmanager
    def _fd(self, path: bytes, flags: int = os.O_PATH) -> Iterator[int]:
        fd = self._open(path, flags)
        try:
            yield fd
        finally:
            os.close(fd)

    @contextlib.contextmanager
    def _parent(self, path: bytes) -> Iterator[tuple[int, bytes]]:
        """The parent directory (resolved in the root) and the final name."""
        stripped = path.rstrip(b"/")
        head, _, name = stripped.rpartition(b"/")
        with self._fd(head or b"/", os.O_PATH | os.O_DIRECTORY) as parent:
            yield parent, name or b"."

    # -- ops -------------------------------------------------------------------------
    def mkdir(self, req: Request) -> Reply:
        with self._parent(req.paths[0]) as (parent, name):
            os.mkdir(name, req.ints[0] & 0o7777, dir_fd=parent)
        return Reply(0)

    def mknod(self, req: Request) -> Reply:
        mode = req.ints[0]
        if stat.S_IFMT(mode) in (stat.S_IFCHR, stat.S_IFBLK):
            return Reply(-errno.EPERM)  # device nodes would reach host devices
        with self._parent(req.paths[0]) as (parent, name):
            os.mknod(name, mode, req.ints[1], dir_fd=parent)
        return Reply(0)

    def unlink(self, req: Request) -> Reply:
        """Its reply names the removed file when it was neither a directory nor a symlink
        (the sentry then forgets only what that removal can undo)."""
        with self._parent(req.paths[0]) as (parent, name):
            if req.ints[0] & AT_REMOVEDIR:
                os.rmdir(name, dir_fd=parent)
                return Reply(0)
            removed = os.stat(name, dir_fd=parent, follow_symlinks=False)
            os.unlink(name, dir_fd=parent)
        if stat.S_ISDIR(removed.st_mode) or stat.S_ISLNK(removed.st_mode):
            return Reply(0)
        return Reply(0, IDENTITY.pack(removed.st_dev, removed.st_ino))

    def rename(self, req: Request) -> Reply:
        with self._parent(req.paths[0]) as (old_parent, old), \
                self._parent(req.paths[1]) as (new_parent, new):
            native.check(lib.rsc_renameat2(old_parent, old, new_parent, new, req.ints[0]))
        return Reply(0)

    def symlink(self, req: Request) -> Reply:
        target, link = req.paths
        with self._parent(link) as (parent, name):
            os.symlink(target, name, dir_fd=parent)
        return Reply(0)

    def link(self, req: Request) -> Reply:
        with self._parent(req.paths[0]) as (old_parent, old), \
                self._parent(req.paths[1]) as (new_parent, new):
            os.link(old, new, src_dir_fd=old_parent, dst_dir_fd=new_parent,
                    follow_symlinks=bool(req.ints[0] & AT_SYMLINK_FOLLOW))
        return Reply(0)

    def chmod(self, req: Request) -> Reply:
        mode = req.ints[0] & 0o7777
        if req.fd is not None and not req.paths:  # fchmodat(fd, "", AT_EMPTY_PATH)
            native.check(lib.rsc_fchmodat2(req.fd, b"", mode, AT_EMPTY_PATH))
            return Reply(0)
        with self._parent(req.paths[0]) as (parent, name):
            native.check(lib.rsc_fchmodat2(parent, name, mode,
                                           req.ints[1] & AT_SYMLINK_NOFOLLOW))
        return Reply(0)

    def chown(self, req: Request) -> Reply:
        uid, gid, at_flags = _id(req.ints[0]), _id(req.ints[1]), req.ints[2]
        if req.fd is not None and not req.paths:
            os.chown(req.fd, uid, gid)
            return Reply(0)
        with self._parent(req.paths[0]) as (parent, name):
            os.chown(name, uid, gid, dir_fd=parent,
                     follow_symlinks=not at_flags & AT_SYMLINK_NOFOLLOW)
        return Reply(0)

    def utimens(self, req: Request) -> Reply:
        at_flags, has_times = req.ints[0], req.ints[1]
        times = ffi.new("int64_t[4]", list(_times(req.blob))) if has_times else ffi.NULL
        if req.fd is not None and not req.paths:  # futimens
            native.check(lib.rsc_utimensat(req.fd, ffi.NULL, times, 0))
            return Reply(0)
        with self._parent(req.paths[0]) as (parent, name):
            native.check(lib.rsc_utimensat(parent, name, times, at_flags & AT_SYMLINK_NOFOLLOW))
        return Reply(0)

    def truncate(self, req: Request) -> Reply:
        with self._fd(req.paths[0], os.O_WRONLY) as fd:
            os.ftruncate(fd, req.ints[0])
        return Reply(0)

    def statfs(self, req: Request) -> Reply:
        buf = ffi.new("char[120]")
        with self._fd(req.paths[0]) as fd:
            native.check(lib.rsc_fstatfs_raw(fd, buf))
        return Reply(0, bytes(ffi.buffer(buf, 120)))

    def _socket_call(self, req: Request, connect: bool) -> Reply:
        if req.fd is None:
            return Reply(-errno.EBADF)
        with self._parent(req.paths[0]) as (parent, name):
            sock = socket.socket(fileno=os.dup(req.fd))
            try:
                # A unix socket path resolves from the cwd: stand in the parent.
                os.fchdir(parent)
                (sock.connect if connect else sock.bind)(name)
            finally:
                os.chdir("/")
                sock.close()
        return Reply(0)

    def bind(self, req: Request) -> Reply:
        return self._socket_call(req, connect=False)

    def connect(self, req: Request) -> Reply:
        return self._socket_call(req, connect=True)


def _id(value: int) -> int:
    value &= 0xFFFF_FFFF
    return -1 if value == 0xFFFF_FFFF else value


def _times(blob: bytes) -> tuple[int, ...]:
    if len(blob) != 32:
        raise OSError(errno.EINVAL, "bad times")
    return struct.unpack("<4q", blob)


def serve(sock: socket.socket, gofer: Gofer) -> None:
    """Answer requests until the sentry closes its end: the hot lookups in C
    (csrc/gofer_fast.c), every other request here."""
    buf = ffi.new("char[]", MAX_DATAGRAM)
    fd_out = ffi.new("int *")
    while True:
        length = lib.rsc_gofer_serve(sock.fileno(), gofer.root_fd, buf, MAX_DATAGRAM, fd_out)
        if length == -errno.EINTR:
            continue
        if length <= 0:
            return
        data = bytes(ffi.buffer(buf, length))
        fd = fd_out[0] if fd_out[0] >= 0 else None
        try:
            reply = gofer.handle(decode_request(data, fd))
        except ProtocolError:
            reply = Reply(-errno.EPROTO)
        finally:
            if fd is not None:
                os.close(fd)
        try:
            send(sock, encode_reply(reply), reply.fd)
        except OSError:
            return
        finally:
            if reply.fd is not None:
                os.close(reply.fd)
