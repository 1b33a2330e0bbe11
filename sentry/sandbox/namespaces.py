"""Namespace setup helpers the workload runs after unshare(2)."""

from __future__ import annotations

import fcntl
import socket
import struct

from sentry.oci.config import NAMESPACE_CLONE_FLAGS

CLONE_NEWNS = NAMESPACE_CLONE_FLAGS["mount"]
CLONE_NEWUTS = NAMESPACE_CLONE_FLAGS["uts"]
CLONE_NEWPID = NAMESPACE_CLONE_FLAGS["pid"]
CLONE_NEWNET = NAMESPACE_CLONE_FLAGS["network"]
SUPPORTED_NAMESPACES = frozenset({"mount", "cgroup", "uts", "ipc", "pid", "network"})
"""`user` and `time` are refused for now: the box runs with host uids (the table notes on
identity calls say how the sentry presents them)."""

_SIOCGIFFLAGS = 0x8913
_SIOCSIFFLAGS = 0x8914
_IFF_UP = 0x1


def bring_up_loopback() -> None:
    """A new network namespace starts with `lo` down; programs expect 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14s", b"lo", 0, b"")
        flags = struct.unpack("16sH14s", fcntl.ioctl(sock, _SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, _SIOCSIFFLAGS, struct.pack("16sH14s", b"lo", flags | _IFF_UP, b""))
