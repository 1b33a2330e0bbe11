"""Process attributes: personality may be queried, never changed (DESIGN rule 4):
flags like READ_IMPLIES_EXEC or ADDR_NO_RANDOMIZE weaken the box's memory hardening."""

from __future__ import annotations

import errno

from sentry.handlers import SyscallCall, syscall_handler
from sentry.handlers.task_info import task_personality
from sentry.platform.base import Response

QUERY_PERSONALITY = 0xFFFF_FFFF


@syscall_handler("personality")
def personality(call: SyscallCall) -> Response:
    current = task_personality(call.event.tid)
    if not call.platform.still_pending(call.event):
        raise ProcessLookupError(call.event.tid, "caller vanished")
    requested = call.args[0] & 0xFFFF_FFFF
    if requested in (QUERY_PERSONALITY, current):
        return Response(value=current)
    return Response.error(errno.EPERM)
