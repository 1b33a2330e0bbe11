"""Identity calls. The sentry answers them from the task's real credentials, so the box's
identity is the sentry's to present (a later uid mapping changes only this file)."""

from __future__ import annotations

import errno
import struct

from gofer.protocol import MAX_GROUPS
from sentry.handlers import SyscallCall, syscall_handler
from sentry.handlers.task_info import Credentials, task_credentials
from sentry.native import lib
from sentry.platform.base import Response


def _checked_credentials(call: SyscallCall) -> Credentials:
    creds = task_credentials(call.event.tid)
    if not call.platform.still_pending(call.event):  # tid may name another task now
        raise ProcessLookupError(call.event.tid, "caller vanished")
    return creds


@syscall_handler("getuid")
def getuid(call: SyscallCall) -> Response:
    return Response(value=_checked_credentials(call).uids[0])


@syscall_handler("geteuid")
def geteuid(call: SyscallCall) -> Response:
    return Response(value=_checked_credentials(call).uids[1])


@syscall_handler("getgid")
def getgid(call: SyscallCall) -> Response:
    return Response(value=_checked_credentials(call).gids[0])


@syscall_handler("getegid")
def getegid(call: SyscallCall) -> Response:
    return Response(value=_checked_credentials(call).gids[1])


def _write_triple(call: SyscallCall, ids: tuple[int, ...]) -> Response:
    for pointer, value in zip(call.args[:3], ids[:3], strict=True):
        call.write(pointer, struct.pack("<I", value))
    return Response(value=0)


@syscall_handler("getresuid")
def getresuid(call: SyscallCall) -> Response:
    return _write_triple(call, _checked_credentials(call).uids)


@syscall_handler("getresgid")
def getresgid(call: SyscallCall) -> Response:
    return _write_triple(call, _checked_credentials(call).gids)


@syscall_handler("getgroups")
def getgroups(call: SyscallCall) -> Response:
    groups = _checked_credentials(call).groups
    size = call.args[0] & 0xFFFF_FFFF
    if size == 0:
        return Response(value=len(groups))
    if size & 0x8000_0000 or size < len(groups):
        return Response.error(errno.EINVAL)
    if groups:
        call.write(call.args[1], struct.pack(f"<{len(groups)}I", *groups))
    return Response(value=len(groups))


@syscall_handler("setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid",
                 "setfsuid", "setfsgid", "setgroups", "capset", "umask")
def credentials_change(call: SyscallCall) -> Response:
    """The kernel applies it as made: nothing here decides on the arguments. Intercepted
    only so the C fast paths' credential cache stays true (csrc/task_cache.c): a change
    that reaches Python must be forgotten there too."""
    if call.entry.name == "setgroups" and call.args[0] & 0xFFFF_FFFF > MAX_GROUPS:
        return Response.error(errno.EINVAL)  # the box's NGROUPS_MAX (answers.c says why)
    lib.rsc_task_forget(call.event.tid)
    return Response(continue_call=True)
