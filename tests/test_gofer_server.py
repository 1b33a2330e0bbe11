"""The gofer's two halves: the C loop answers every well-formed hot lookup, and the Python
half refuses a hot lookup in a shape the C loop did not take, rather than serving it a
second way."""

from __future__ import annotations

import errno
import os
import socket
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from gofer.protocol import (
    IDENTITY,
    Caller,
    Op,
    Reply,
    Request,
    decode_reply,
    encode_request,
    receive,
)
from gofer.server import AT_REMOVEDIR, Gofer, serve

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


def identity_of(path: Path) -> bytes:
    st = os.lstat(path)
    return IDENTITY.pack(st.st_dev, st.st_ino)


def test_a_readlink_reply_ends_with_the_identity_of_the_link(
    gofer_socket: socket.socket, tmp_path: Path
):
    (tmp_path / "l").symlink_to("f")
    reply = ask(gofer_socket, Request(Op.READLINK, ROOT, (b"/l",)))
    assert reply.status == 0
    assert reply.payload == b"f" + identity_of(tmp_path / "l")


def test_a_readlink_of_a_file_fails_with_the_identity_of_the_file(
    gofer_socket: socket.socket, tmp_path: Path
):
    reply = ask(gofer_socket, Request(Op.READLINK, ROOT, (b"/f",)))
    assert reply.status == -errno.EINVAL
    assert reply.payload == identity_of(tmp_path / "f")


def test_an_unlink_of_a_file_names_the_file_removed(
    gofer_socket: socket.socket, tmp_path: Path
):
    removed = identity_of(tmp_path / "f")
    reply = ask(gofer_socket, Request(Op.UNLINK, ROOT, (b"/f",)))
    assert reply.status == 0 and not (tmp_path / "f").exists()
    assert reply.payload == removed


@pytest.mark.parametrize("kind", ["symlink", "directory"])
def test_an_unlink_of_a_symlink_or_a_directory_names_nothing(
    gofer_socket: socket.socket, tmp_path: Path, kind: str
):
    if kind == "symlink":
        (tmp_path / "n").symlink_to("f")
    else:
        (tmp_path / "n").mkdir()
    at_flags = AT_REMOVEDIR if kind == "directory" else 0
    reply = ask(gofer_socket, Request(Op.UNLINK, ROOT, (b"/n",), ints=(at_flags, 0, 0, 0)))
    assert reply.status == 0 and not os.path.lexists(tmp_path / "n")
    assert reply.payload == b""


def listed_entries(payload: bytes) -> dict[str, tuple[os.stat_result, bytes]]:
    """LIST's records (PROTOCOL.md): name -> (its lstat, its link text)."""
    entries = {}
    at = 0
    while at < len(payload):
        (name_len,) = struct.unpack_from("<H", payload, at)
        name = payload[at + 2:at + 2 + name_len].decode()
        fields = struct.unpack_from("<QQQIIIiQqqqQqQqQq", payload, at + 2 + name_len)
        (link_len,) = struct.unpack_from("<H", payload, at + 2 + name_len + 144)
        link_at = at + 4 + name_len + 144
        entries[name] = (fields, payload[link_at:link_at + link_len])
        at = link_at + link_len
    return entries


def test_a_directory_is_listed_with_each_entry_lstat_and_link_text(
    gofer_socket: socket.socket, tmp_path: Path
):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "big").write_bytes(b"y" * 1000)
    (tmp_path / "d" / "sub").mkdir()
    (tmp_path / "d" / "rel").symlink_to("big")
    (tmp_path / "d" / "dangling").symlink_to("/nowhere")
    gofer_socket.send(encode_request(Request(Op.LIST, ROOT, (b"/d",))))
    data, fd = receive(gofer_socket)
    magic, version, status, length = struct.unpack_from("<2sBiI", data)
    assert fd is None and (magic, version, status, length) == (b"RG", 1, 0, len(data) - 11)
    entries = listed_entries(data[11:])
    assert set(entries) == {"big", "sub", "rel", "dangling"}
    for name, (fields, link) in entries.items():
        st = os.lstat(tmp_path / "d" / name)
        dev, ino, nlink, mode, uid, gid, _, rdev, size = fields[:9]
        assert (dev, ino, nlink, mode, uid, gid, size) == (
            st.st_dev, st.st_ino, st.st_nlink, st.st_mode, st.st_uid, st.st_gid, st.st_size)
        is_link = name in ("rel", "dangling")
        assert link == (os.readlink(tmp_path / "d" / name).encode() if is_link else b"")



def test_a_listing_stops_at_its_bound_with_whole_records(
    gofer_socket: socket.socket, tmp_path: Path
):
    """A directory whose records exceed LIST's payload bound (PROTOCOL.md) is listed in
    part, every record whole: the sentry never takes a listing to be complete."""
    (tmp_path / "many").mkdir()
    names = {f"{i:04d}-" + "x" * 60 for i in range(1000)}  # ~210 bytes a record
    for name in names:
        (tmp_path / "many" / name).touch()
    gofer_socket.send(encode_request(Request(Op.LIST, ROOT, (b"/many",))))
    data = gofer_socket.recv(1 << 18)  # beyond protocol.receive's bound, as the C sentry
    (status,) = struct.unpack_from("<i", data, 3)
    entries = listed_entries(data[11:])
    assert status == 0 and len(data) - 11 <= 131072
    assert 500 < len(entries) < len(names) and set(entries) <= names

def test_listing_a_file_fails_as_opening_it_as_a_directory_would(gofer_socket: socket.socket):
    reply = ask(gofer_socket, Request(Op.LIST, ROOT, (b"/f",)))
    assert reply.status == -errno.ENOTDIR


def test_a_path_is_expanded_up_to_a_link_of_proc_self_only(
    gofer_socket: socket.socket, tmp_path: Path
):
    """EXPAND follows a path's symlinks as the kernel would, and answers the rest from
    /proc's "self" on; a path without such a link is not expanded."""
    (tmp_path / "proc").mkdir()
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "mtab").symlink_to("../proc/self/mounts")
    (tmp_path / "etc" / "plain").symlink_to("../f")
    subprocess.run(["mount", "-t", "proc", "proc", str(tmp_path / "proc")], check=True)
    try:
        follow = (1, 0, 0, 0)
        reply = ask(gofer_socket, Request(Op.EXPAND, ROOT, (b"/etc/mtab",), ints=follow))
        assert (reply.status, reply.payload) == (0, b"/proc/self/mounts")
        plain = ask(gofer_socket, Request(Op.EXPAND, ROOT, (b"/etc/plain",), ints=follow))
        assert plain.status == -errno.ENOENT
    finally:
        subprocess.run(["umount", str(tmp_path / "proc")], check=True)


def test_an_open_that_may_write_says_whether_it_made_the_name(
    gofer_socket: socket.socket, tmp_path: Path
):
    """First payload byte (PROTOCOL.md, "Where names are"): 1 made (then the directory's
    identity), 0 found there and kept its number; a read-only open says nothing."""
    create = (os.O_WRONLY | os.O_CREAT, 0o644, 0, 0)
    made = ask(gofer_socket, Request(Op.OPEN, ROOT, (b"/new",), ints=create))
    found = ask(gofer_socket, Request(Op.OPEN, ROOT, (b"/new",), ints=create))
    read = ask(gofer_socket, Request(Op.OPEN, ROOT, (b"/new",)))
    for reply in (made, found, read):
        assert reply.status == 0 and reply.fd is not None
        os.close(reply.fd)
    where = os.stat(tmp_path)
    assert made.payload == b"\x01" + struct.pack("<QQ", where.st_dev, where.st_ino)
    assert (found.payload, read.payload) == (b"\x00", b"")
