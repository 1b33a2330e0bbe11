"""The gofer's two halves: the C loop answers every well-formed hot lookup, and the Python
half refuses a hot lookup in a shape the C loop did not take, rather than serving it a
second way."""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from gofer.protocol import Caller, Op, Reply, Request, decode_reply, encode_request, receive
from gofer.server import Gofer, serve

ROOT = Caller(fsuid=0, fsgid=0, groups=(), cap_effective=0)


@pytest.fixture
def gofer_socket(tmp_path: Path) -> Iterator[socket.socket]:
    """A gofer serving `tmp_path` (holding a file `f`) in a child process."""
    (tmp_path / "f").write_text("x")
    sentry_end, gofer_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pid = os.fork()
    if pid == 0:  # the child takes on callers' credentials: never in the test process
        sentry_end.close()
        serve(gofer_end, Gofer(os.open(tmp_path, os.O_PATH | os.O_DIRECTORY)))
        os._exit(0)
    gofer_end.close()
    yield sentry_end
    sentry_end.close()
    os.waitpid(pid, 0)


def ask(sock: socket.socket, request: Request) -> Reply:
    sock.send(encode_request(request))
    data, fd = receive(sock)
    return decode_reply(data, fd)


def test_a_well_formed_stat_is_answered(gofer_socket: socket.socket):
    reply = ask(gofer_socket, Request(Op.STAT, ROOT, (b"/f",)))
    assert reply.status == 0 and len(reply.payload) == 144


def test_a_stat_with_two_paths_is_refused_not_served(gofer_socket: socket.socket):
    reply = ask(gofer_socket, Request(Op.STAT, ROOT, (b"/f", b"/f")))
    assert reply.status == -errno.EPROTO


def test_a_change_is_served_by_the_python_half(gofer_socket: socket.socket):
    reply = ask(gofer_socket, Request(Op.MKDIR, ROOT, (b"/d",), ints=(0o755, 0, 0, 0)))
    assert reply.status == 0
