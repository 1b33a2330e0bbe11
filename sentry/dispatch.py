"""Routes intercepted calls to their handlers, as the syscall table says."""

from __future__ import annotations

import errno
import logging

from sentry.handlers import HANDLERS, Handler, SandboxInfo, SyscallCall, load_all
from sentry.platform.base import Platform, Response, SyscallEvent
from sentry.seccomp_filter import AUDIT_ARCH_X86_64
from sentry.strace import StraceWriter
from syscall_tables import SyscallTable
from syscall_tables.model import SyscallEntry

log = logging.getLogger(__name__)


def intercepted_routes(table: SyscallTable) -> dict[int, tuple[SyscallEntry, Handler]]:
    """Number -> (entry, handler) for every intercepted call of the table. Raises if the
    table intercepts a call nobody handles, or a handler exists for a call the table
    does not intercept: the two must never disagree."""
    handlers = load_all()
    intercepted = {e.name: e for e in table.entries if e.intercepted}
    missing = sorted(set(intercepted) - set(handlers))
    extra = sorted(set(handlers) - set(intercepted))
    if missing or extra:
        raise LookupError(f"table and handlers disagree: no handler for {missing}, "
                          f"handlers for calls the table does not intercept: {extra}")
    return {e.number: (e, HANDLERS[name]) for name, e in intercepted.items()}


class Dispatcher:
    def __init__(self, table: SyscallTable, platform: Platform, sandbox: SandboxInfo,
                 strace: StraceWriter | None = None) -> None:
        self.routes = intercepted_routes(table)
        self.platform = platform
        self.sandbox = sandbox
        self.strace = strace
        self.counts: dict[str, int] = {}

    def handle(self, event: SyscallEvent) -> Response:
        route = self.routes.get(event.nr)
        if event.arch != AUDIT_ARCH_X86_64 or route is None:
            # The filter only sends the table's intercepted calls; anything else means the
            # filter and table disagree. Refuse rather than guess.
            log.error("unexpected intercepted call nr=%d arch=%#x", event.nr, event.arch)
            return Response.error(errno.ENOSYS)
        entry, handler = route
        self.counts[entry.name] = self.counts.get(entry.name, 0) + 1
        call = SyscallCall(event=event, entry=entry, platform=self.platform,
                           sandbox=self.sandbox)
        try:
            response = handler(call)
        except ProcessLookupError:
            response = Response.error(errno.ESRCH)  # caller is gone: nobody reads this
        except OSError as err:
            # Reading or writing the caller's memory failed: a bad pointer is its bug.
            response = Response.error(err.errno or errno.EFAULT)
        if self.strace:
            self.strace.record(event, entry.name, response)
        return response
