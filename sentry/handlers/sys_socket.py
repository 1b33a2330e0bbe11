"""bind and connect: a unix socket path is a path like any other, so the gofer binds or
connects the caller's socket (a copy of its fd) from inside the box's root. Other
address families do not name files: the kernel runs those calls as made."""

from __future__ import annotations

import os
import socket
import struct

from gofer.protocol import Op
from sentry.handlers import SyscallCall, syscall_handler
from sentry.handlers.paths import AT_FDCWD, PathCall
from sentry.platform.base import Response

SOCKADDR_UN_SIZE = 110


def _unix_socket_call(call: SyscallCall, op: Op) -> Response:
    sockfd, address, length = call.args[0], call.args[1], call.args[2] & 0xFFFF_FFFF
    if address == 0 or length < 2:
        # No path involved; the kernel's answer (EINVAL/EFAULT) is the right one.
        return Response(continue_call=True)
    sockaddr = call.read(address, min(length, SOCKADDR_UN_SIZE))
    (family,) = struct.unpack_from("<H", sockaddr)
    sun_path = sockaddr[2:]
    if family != socket.AF_UNIX or not sun_path or sun_path[0] == 0:
        # An inet address or an abstract/autobind unix name names no file. The kernel
        # re-reads the sockaddr; were it swapped for a path, that path still resolves in
        # the box's mount namespace.
        return Response(continue_call=True)
    ctx = PathCall(call)
    path = ctx.box_path(AT_FDCWD, sun_path.split(b"\0", 1)[0])
    own = ctx.caller_fd(sockfd)
    try:
        ctx.gofer(op, path, fd=own)
    finally:
        os.close(own)
    return Response(value=0)


@syscall_handler("bind")
def sys_bind(call: SyscallCall) -> Response:
    return _unix_socket_call(call, Op.BIND)


@syscall_handler("connect")
def sys_connect(call: SyscallCall) -> Response:
    return _unix_socket_call(call, Op.CONNECT)
