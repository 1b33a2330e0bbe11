"""The sentry's end of the gofer socketpair: one request, one reply (PROTOCOL.md)."""

from __future__ import annotations

import errno
import os
import socket

from gofer.protocol import (
    IDENTITY,
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

# Requests that only look (see may_change_names).
LOOKUP_OPS = frozenset({Op.STAT, Op.STATX, Op.ACCESS, Op.READLINK, Op.STATFS, Op.CHECK_DIR,
                        Op.CHECK_EXEC})


def may_change_names(op: Op, ints: tuple[int, ...]) -> bool:
    """Whether a request may create, remove or rename a name or change attributes, so the
    lookups the C fast path remembers must go first: any op but a lookup or an unlink
    (forgotten by its reply: note_removal), and an open only when it may create (as
    csrc/answers.c decides for its own opens)."""
    if op is Op.UNLINK:
        return False
    if op is Op.OPEN:
        flags = ints[0]
        return bool(flags & os.O_CREAT) or flags & os.O_TMPFILE == os.O_TMPFILE
    return op not in LOOKUP_OPS


def opens_for_writing(flags: int) -> bool:
    """Whether an open with these flags can change the file's size or times: the C fast
    path then stops answering stats of that inode from memory."""
    return (flags & os.O_ACCMODE) != os.O_RDONLY or bool(flags & os.O_TRUNC)


def note_removal(reply: Reply) -> None:
    """What an UNLINK's reply says was removed: a file that is neither a directory nor a
    symlink (its identity), after which the C fast path forgets only what that can undo
    (gcc's temporary files no longer cost every remembered lookup); any other removal
    forgets everything."""
    if reply.status != 0:
        return  # unlinkat and rmdir change nothing when they fail
    if len(reply.payload) == IDENTITY.size:
        lib.rsc_lookups_note_removed(*IDENTITY.unpack(reply.payload))
    else:
        lib.rsc_lookups_forget()


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
        if may_change_names(op, ints):
            lib.rsc_lookups_forget()
        try:
            send(self.sock, request, fd)
            data, reply_fd = receive(self.sock)
            if not data:
                raise ConnectionResetError(errno.ECONNRESET, "gofer closed its end")
            reply = decode_reply(data, reply_fd)
        except (OSError, ProtocolError) as err:
            self.alive = False
            if op is Op.UNLINK:  # it may have been made before the gofer went
                lib.rsc_lookups_forget()
            raise GoferGone(str(err)) from err
        if op is Op.OPEN and reply.fd is not None and opens_for_writing(ints[0]):
            lib.rsc_lookups_note_writer(reply.fd, reply.payload[0] if reply.payload else -1)
        if op is Op.UNLINK:
            note_removal(reply)
        return reply

    def close(self) -> None:
        self.alive = False
        self.sock.close()
