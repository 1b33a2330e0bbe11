"""Entry of the gofer process, forked by the sentry before the workload."""

from __future__ import annotations

import os
import socket
import sys
from typing import NoReturn

from gofer.confine import confine
from gofer.protocol import receive
from gofer.server import Gofer, serve

ROOT_MESSAGE = b"ROOT"


def gofer_main(sock: socket.socket) -> NoReturn:
    """Wait for the box's root fd, confine, serve; never returns to the caller's code."""
    status = 0
    try:
        # how ps and the tests tell it from the sentry; bytes, since a text file's
        # "ascii" codec would be imported for this alone (~1 ms of the box's start-up)
        with open("/proc/self/comm", "wb") as comm:
            comm.write(b"runsc-gofer")
        data, root_fd = receive(sock)
        if data != ROOT_MESSAGE or root_fd is None:
            os._exit(0)  # the box never came up: nothing to serve
        confine(root_fd, keep_fds=(sock.fileno(), root_fd, 2))
        serve(sock, Gofer(root_fd))
    except BaseException as err:  # noqa: BLE001 - the child must never return to the CLI
        print(f"runsc-py: gofer: {err!r}", file=sys.stderr)
        status = 1
    os._exit(status)
