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
