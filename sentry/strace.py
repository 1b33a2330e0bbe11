"""`--strace`: one line per intercepted call with its decoded arguments and result.

Argument counts and names come from python-ptrace's prototype table; pointers are shown
as addresses (the sentry reads tracee memory only when a handler needs it).
"""

from __future__ import annotations

import errno
import os
from typing import TextIO

from ptrace.syscall.prototypes import SYSCALL_PROTOTYPES

from sentry.platform.base import Response, SyscallEvent


def format_argument(ctype: str, value: int) -> str:
    if "*" in ctype or ctype.endswith("_t") and "size" not in ctype:
        return hex(value) if value else "NULL"
    if ctype in ("int", "long", "pid_t"):
        value &= 0xFFFF_FFFF_FFFF_FFFF if ctype == "long" else 0xFFFF_FFFF
        bits = 64 if ctype == "long" else 32
        return str(value - (1 << bits) if value >> (bits - 1) else value)
    return str(value) if value < 0x10000 else hex(value)


def format_call(name: str, args: tuple[int, ...]) -> str:
    prototype = SYSCALL_PROTOTYPES.get(name)
    if prototype is None:
        shown = ", ".join(hex(a) for a in args)
    else:
        params = prototype[1]
        shown = ", ".join(format_argument(ctype, value)
                          for (ctype, _), value in zip(params, args, strict=False))
    return f"{name}({shown})"


def format_result(response: Response) -> str:
    if response.errno:
        code = errno.errorcode.get(response.errno, str(response.errno))
        return f"-1 {code} ({os.strerror(response.errno)})"
    if response.install_fd is not None:
        return "<fd installed>"
    return str(response.value)


class StraceWriter:
    """Writes strace-like lines for calls the sentry handled."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def record(self, event: SyscallEvent, name: str, response: Response) -> None:
        self.out.write(f"[pid {event.tid}] {format_call(name, event.args)} = "
                       f"{format_result(response)}\n")
        self.out.flush()
