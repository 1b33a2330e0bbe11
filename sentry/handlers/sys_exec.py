"""execve and execveat: the gofer opens and checks the binary under the caller's
credentials (it exists in the box, is a regular file, and the caller may execute it);
then the kernel performs the exec.

How the exec stays safe: seccomp cannot make the caller exec an fd, so the kernel
re-reads the path. It resolves it in the box's mount namespace, whose root is the box's
own tree, so a path swapped after the check can only name another file of the box,
which the caller could exec anyway; no decision of the sentry rests on it."""

from __future__ import annotations

from gofer.protocol import Op
from sentry.handlers import SyscallCall, syscall_handler
from sentry.handlers.paths import AT_EMPTY_PATH, AT_FDCWD, PathCall
from sentry.native import lib
from sentry.platform.base import Response


def _exec(call: SyscallCall, dirfd: int, path_address: int, flags: int) -> Response:
    ctx = PathCall(call)
    path = ctx.read_path(path_address)
    if path or not flags & AT_EMPTY_PATH:  # execveat(fd, "", AT_EMPTY_PATH): fd already open
        ctx.gofer(Op.CHECK_EXEC, ctx.box_path(dirfd, path))
    lib.rsc_task_exec_allowed(ctx.tid)  # the credentials it may change (csrc/task_cache.c)
    return Response(continue_call=True)


@syscall_handler("execve")
def sys_execve(call: SyscallCall) -> Response:
    return _exec(call, AT_FDCWD, call.args[0], 0)


@syscall_handler("execveat")
def sys_execveat(call: SyscallCall) -> Response:
    return _exec(call, call.args[0], call.args[1], call.args[4] & 0xFFFF_FFFF)
