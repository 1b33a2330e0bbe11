"""Encoding of the gofer protocol (PROTOCOL.md): bounded, versioned, one datagram each."""

from __future__ import annotations

import contextlib
import enum
import os
import socket
import struct
from typing import NamedTuple

MAGIC = b"RG"
VERSION = 1
MAX_GROUPS = 256
MAX_PATH = 4095
MAX_PATHS = 2
MAX_BLOB = 64
MAX_PAYLOAD = 8192
MAX_DATAGRAM = 16 + 8 + 2 + 4 * MAX_GROUPS + 32 + 1 + MAX_PATHS * (2 + MAX_PATH) + 2 + MAX_BLOB

_HEAD = struct.Struct("<2sBBIIQH")
_INTS = struct.Struct("<4q")
_REPLY = struct.Struct("<2sBiI")
IDENTITY = struct.Struct("<QQ")
"""An inode's identity (dev, ino) in a reply (PROTOCOL.md, "Where names are")."""


class Op(enum.IntEnum):
    OPEN = 1
    STAT = 2
    STATX = 3
    ACCESS = 4
    READLINK = 5
    MKDIR = 6
    MKNOD = 7
    UNLINK = 8
    RENAME = 9
    SYMLINK = 10
    LINK = 11
    CHMOD = 12
    CHOWN = 13
    UTIMENS = 14
    TRUNCATE = 15
    STATFS = 16
    CHECK_DIR = 17
    CHECK_EXEC = 18
    BIND = 19
    CONNECT = 20
    LIST = 21
    EXPAND = 22


class ProtocolError(Exception):
    """A datagram that breaks the protocol's bounds; answered with EPROTO."""


class Caller(NamedTuple):
    """Whose permissions a request runs with."""

    fsuid: int
    fsgid: int
    groups: tuple[int, ...]
    cap_effective: int


class Request(NamedTuple):
    op: Op
    caller: Caller
    paths: tuple[bytes, ...]
    ints: tuple[int, int, int, int] = (0, 0, 0, 0)
    blob: bytes = b""
    fd: int | None = None  # travels beside the datagram (SCM_RIGHTS)


class Reply(NamedTuple):
    status: int  # 0 or -errno
    payload: bytes = b""
    fd: int | None = None  # travels beside the datagram (SCM_RIGHTS)


def encode_request(req: Request) -> bytes:
    c = req.caller
    if len(c.groups) > MAX_GROUPS or len(req.paths) > MAX_PATHS or len(req.blob) > MAX_BLOB:
        raise ProtocolError("request over its bounds")
    parts = [_HEAD.pack(MAGIC, VERSION, int(req.op), c.fsuid, c.fsgid, c.cap_effective,
                        len(c.groups)),
             struct.pack(f"<{len(c.groups)}I", *c.groups),
             _INTS.pack(*req.ints), bytes([len(req.paths)])]
    for path in req.paths:
        if len(path) > MAX_PATH or b"\0" in path:
            raise ProtocolError("path over its bounds")
        parts.append(struct.pack("<H", len(path)) + path)
    parts.append(struct.pack("<H", len(req.blob)) + req.blob)
    return b"".join(parts)


def decode_request(data: bytes, fd: int | None = None) -> Request:
    try:
        magic, version, op, fsuid, fsgid, caps, ngroups = _HEAD.unpack_from(data, 0)
        if magic != MAGIC or version != VERSION:
            raise ProtocolError("bad magic or version")
        if ngroups > MAX_GROUPS:
            raise ProtocolError("too many groups")
        offset = _HEAD.size
        groups = struct.unpack_from(f"<{ngroups}I", data, offset)
        offset += 4 * ngroups
        ints = _INTS.unpack_from(data, offset)
        offset += _INTS.size
        npaths = data[offset]
        offset += 1
        if npaths > MAX_PATHS:
            raise ProtocolError("too many paths")
        paths = []
        for _ in range(npaths):
            (length,) = struct.unpack_from("<H", data, offset)
            offset += 2
            path = data[offset:offset + length]
            if length > MAX_PATH or len(path) != length or b"\0" in path:
                raise ProtocolError("bad path")
            paths.append(path)
            offset += length
        (blob_len,) = struct.unpack_from("<H", data, offset)
        offset += 2
        blob = data[offset:offset + blob_len]
        if blob_len > MAX_BLOB or len(blob) != blob_len or offset + blob_len != len(data):
            raise ProtocolError("bad blob or trailing bytes")
        return Request(op=Op(op), caller=Caller(fsuid, fsgid, tuple(groups), caps),
                       paths=tuple(paths), ints=ints, blob=blob, fd=fd)
    except (struct.error, IndexError, ValueError) as err:
        raise ProtocolError(str(err)) from err


def encode_reply(reply: Reply) -> bytes:
    if len(reply.payload) > MAX_PAYLOAD:
        raise ProtocolError("payload over its bound")
    return _REPLY.pack(MAGIC, VERSION, reply.status, len(reply.payload)) + reply.payload


def decode_reply(data: bytes, fd: int | None = None) -> Reply:
    try:
        magic, version, status, length = _REPLY.unpack_from(data, 0)
    except struct.error as err:
        raise ProtocolError(str(err)) from err
    payload = data[_REPLY.size:]
    if magic != MAGIC or version != VERSION or length > MAX_PAYLOAD or len(payload) != length:
        raise ProtocolError("bad reply")
    if status > 0 or -status > 4095:
        raise ProtocolError("bad status")
    return Reply(status=status, payload=payload, fd=fd)


def send(sock: socket.socket, data: bytes, fd: int | None) -> None:
    if fd is None:
        sock.send(data)
    else:
        socket.send_fds(sock, [data], [fd])


def receive(sock: socket.socket) -> tuple[bytes, int | None]:
    """One datagram and at most one fd; extra fds are closed (never leaked)."""
    data, fds, flags, _ = socket.recv_fds(sock, MAX_DATAGRAM, 1)
    if flags & socket.MSG_CTRUNC:
        for fd in fds:
            _close(fd)
        raise ProtocolError("more than one fd")
    return data, (fds[0] if fds else None)


def _close(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)
