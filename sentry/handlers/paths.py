"""What every path call needs: the caller's credentials, its path read once from its
memory, and that path made box-absolute (against its cwd or dirfd) for the gofer.

The sentry reads each path exactly once; the gofer resolves the copy. A second thread
that rewrites the buffer after the read changes nothing (DESIGN rule 2)."""

from __future__ import annotations

import errno
import os
import re

from gofer.protocol import Caller, Op, Reply
from sentry import native
from sentry.gofer_client import GoferGone
from sentry.handlers import SyscallCall
from sentry.handlers.task_info import Credentials, task_credentials
from sentry.native import ffi, lib

AT_FDCWD = -100
AT_EMPTY_PATH = 0x1000
AT_EACCESS = 0x200
PATH_MAX = 4096
PAGE = 4096
# Compiled once: a pattern made per caller (its pid in the text) missed re's cache for
# every new process, and compiling it cost more than the rest of a ptrace open.
FD_ALIAS = re.compile(rb"/dev/fd/(\d+)|/proc/([1-9]\d*)(?:/task/\d+)?/fd/(\d+)")
OWN_PROC_LINK = re.compile(rb"/proc/([1-9]\d*)(/task/\d+)?/(exe|cwd|root|fd/\d+)")


def as_int32(value: int) -> int:
    value &= 0xFFFF_FFFF
    return value - (1 << 32) if value & 0x8000_0000 else value


def read_cstring(tid: int, address: int, limit: int = PATH_MAX) -> bytes:
    """A NUL-terminated string from the caller's memory, page by page (a string may end
    just before an unmapped page)."""
    if address == 0:
        raise OSError(errno.EFAULT, "NULL path")
    out = bytearray()
    while len(out) < limit:
        at = address + len(out)
        chunk = native.vm_read(tid, at, min(limit - len(out), PAGE - at % PAGE))
        end = chunk.find(b"\0")
        if end >= 0:
            return bytes(out + chunk[:end])
        out += chunk
    raise OSError(errno.ENAMETOOLONG, "path too long")


class PathCall:
    """One path call's view of its caller."""

    def __init__(self, call: SyscallCall) -> None:
        self.call = call
        self.tid = call.event.tid
        self.creds: Credentials = task_credentials(self.tid)

    def caller(self, real_ids: bool = False) -> Caller:
        """Whose permissions the gofer uses: the fs ids, or for access(2) the real ids
        with the capabilities the kernel would grant them."""
        c = self.creds
        if not real_ids:
            return Caller(c.uids[3], c.gids[3], c.groups, c.cap_effective)
        caps = c.cap_permitted if c.uids[0] == 0 else 0
        return Caller(c.uids[0], c.gids[0], c.groups, caps)

    def read_path(self, address: int) -> bytes:
        return read_cstring(self.tid, address)

    def base(self, dirfd: int) -> bytes:
        """The box-absolute path of the caller's cwd or dirfd (csrc/answers.c)."""
        out = ffi.new("char[]", PATH_MAX)
        length = lib.rsc_dir_path(self.tid, as_int32(dirfd), out)
        if length < 0:
            raise OSError(-length, "the caller's directory")
        return ffi.buffer(out, length)[:]

    def box_path(self, dirfd: int, path: bytes) -> bytes:
        """`path` made box-absolute, /proc/self meaning the caller: as the C fast path
        makes it (csrc/answers.c), so both answer a call alike."""
        out = ffi.new("char[]", PATH_MAX)
        length = lib.rsc_box_path(self.tid, self.creds.box_tgid, self.creds.box_tid,
                                  as_int32(dirfd), path, out)
        if length < 0:
            raise OSError(-length, "path")
        return ffi.buffer(out, length)[:]

    def path_at(self, dirfd: int, address: int) -> bytes:
        return self.box_path(dirfd, self.read_path(address))

    def fd_alias(self, path: bytes) -> int | None:
        """The fd number when `path` names one of the caller's own fds (/dev/stdin,
        /dev/fd/N, /proc/self/fd/N): a magic link the gofer refuses to follow."""
        std = {b"/dev/stdin": 0, b"/dev/stdout": 1, b"/dev/stderr": 2}
        if path in std:
            return std[path]
        match = FD_ALIAS.fullmatch(path)
        if match is None:
            return None
        if match.group(1) is not None:
            return int(match.group(1))
        return int(match.group(3)) if int(match.group(2)) == self.creds.box_tgid else None

    def own_proc_link(self, path: bytes) -> str | None:
        """The host /proc path of one of the caller's own magic links (exe, cwd, root,
        fd/N) when `path` names it in the box's /proc, else None."""
        match = OWN_PROC_LINK.fullmatch(path)
        if match is None or int(match.group(1)) != self.creds.box_tgid:
            return None
        task = f"/task/{self.tid}" if match.group(2) else ""
        return f"/proc/{self.creds.host_tgid}{task}/{match.group(3).decode()}"

    def caller_fd(self, fd: int) -> int:
        """A copy of the caller's fd `fd` (pidfd_getfd); the caller keeps its own."""
        pidfd = os.pidfd_open(self.creds.host_tgid)
        try:
            ret = lib.rsc_pidfd_getfd(pidfd, as_int32(fd))
        finally:
            os.close(pidfd)
        if ret < 0:
            raise OSError(errno.EBADF if ret == -errno.EBADF else -ret, "pidfd_getfd")
        return int(ret)

    def gofer(self, op: Op, *paths: bytes, ints: tuple[int, ...] = (),
              blob: bytes = b"", fd: int | None = None, real_ids: bool = False) -> Reply:
        """One gofer request; raises OSError with the gofer's errno, EIO if it is gone."""
        if not self.call.platform.still_pending(self.call.event):
            raise ProcessLookupError(self.tid, "caller vanished")  # tid may be reused
        client = self.call.sandbox.gofer
        if client is None:
            raise OSError(errno.EIO, "no gofer")
        first, second, third, fourth = (tuple(ints) + (0, 0, 0, 0))[:4]
        padded = (first, second, third, fourth)
        try:
            reply = client.call(op, self.caller(real_ids), *paths, ints=padded, blob=blob, fd=fd)
            if reply.status == -errno.ENOENT and not reply.payload and op in EXPANDABLE:
                reply = self._through_own_proc(op, paths[0], padded, real_ids) or reply
        except GoferGone as err:
            raise OSError(errno.EIO, f"gofer: {err}") from err
        if reply.status:
            if reply.fd is not None:
                os.close(reply.fd)
            raise OSError(-reply.status, os.strerror(-reply.status))
        return reply

    def _through_own_proc(self, op: Op, path: bytes, ints: tuple[int, int, int, int],
                          real_ids: bool) -> Reply | None:
        """The answer for `path` when a symlink on it leads into /proc/self or
        /proc/thread-self, which name nothing for the gofer (outside the box's pids): the
        gofer follows the path up to that link (EXPAND), and the rest is asked for as the
        caller's own entry. None when no such link is on the path."""
        client = self.call.sandbox.gofer
        assert client is not None
        follow = int(lib.rsc_follows_last_link(int(op), ints))
        expanded = client.call(Op.EXPAND, self.caller(real_ids), path, ints=(follow, 0, 0, 0))
        if expanded.status:
            return None
        return client.call(op, self.caller(real_ids), self.box_path(AT_FDCWD, expanded.payload),
                           ints=ints)


EXPANDABLE = frozenset({Op.OPEN, Op.STAT, Op.STATX, Op.ACCESS, Op.READLINK, Op.STATFS,
                        Op.CHECK_DIR, Op.CHECK_EXEC})
