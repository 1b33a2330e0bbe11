"""The sentry's end of the gofer socketpair: one request, one reply (PROTOCOL.md)."""

from __future__ import annotations

import errno
import socket

from gofer.protocol import (
    Caller,
    Op,
    ProtocolError,
    Reply,
    Request,
    decode_reply,
    encode_request,
    receive,
    send,
)
from sentry.native import lib

# Requests that only look: anything else may change the box's names, so the C fast
# path's memory of failed lookups is dropped first (csrc/fastpath.c).
LOOKUP_OPS = frozenset({Op.STAT, Op.STATX, Op.ACCESS, Op.READLINK, Op.STATFS, Op.CHECK_DIR,
                        Op.CHECK_EXEC})


class GoferGone(Exception):
    """The gofer died or broke the protocol: file calls fail with EIO from now on."""


class GoferClient:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.alive = True

    def call(self, op: Op, caller: Caller, *paths: bytes,
             ints: tuple[int, int, int, int] = (0, 0, 0, 0), blob: bytes = b"",
             fd: int | None = None) -> Reply:
        if not self.alive:
            raise GoferGone("the gofer is gone")
        try:
            request = encode_request(Request(op, caller, paths, ints, blob))
        except ProtocolError as err:
            raise OSError(errno.ENAMETOOLONG, str(err)) from err
        if op not in LOOKUP_OPS:
            lib.rsc_lookups_forget()
        try:
            send(self.sock, request, fd)
            data, reply_fd = receive(self.sock)
            if not data:
                raise ConnectionResetError(errno.ECONNRESET, "gofer closed its end")
            return decode_reply(data, reply_fd)
        except (OSError, ProtocolError) as err:
            self.alive = False
            raise GoferGone(str(err)) from err

    def close(self) -> None:
        self.alive = False
        self.sock.close()
