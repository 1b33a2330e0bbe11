"""Routes intercepted calls to their handlers, as the syscall table says."""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from sentry.coverage.full import answer_as_filter
from sentry.coverage.record import CoverageRecorder
from sentry.handlers import HANDLERS, Handler, SandboxInfo, SyscallCall, load_all
from sentry.log import Logger
from sentry.platform.base import FastAnswers, Platform, Response, SyscallEvent
from sentry.seccomp_filter import AUDIT_ARCH_X86_64
from syscall_tables import SyscallTable
from syscall_tables.model import SyscallEntry

if TYPE_CHECKING:
    from sentry.strace import StraceWriter

log = Logger(__name__)


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
                 strace: StraceWriter | None = None, *, intercept_all: bool = False) -> None:
        self.routes = intercepted_routes(table)
        self.table = table
        self.platform = platform
        self.sandbox = sandbox
        self.strace = strace
        # --coverage=full: the filter also sends passthrough and deny calls (seccomp_filter).
        self.intercept_all = intercept_all
        self.coverage = CoverageRecorder(table)

    def answer(self, event: SyscallEvent) -> None:
        """Handle the call, resume its caller, and trace it: strace decodes the arguments
        while the caller still waits and adds the result the platform reports."""
        entry = self.table.by_number.get(event.nr) if event.arch == AUDIT_ARCH_X86_64 else None
        line = self.strace.enter(event, entry) if self.strace and entry else None
        response = self.handle(event)
        result = self.platform.respond(event, response)
        if self.strace and entry and line is not None:
            self.strace.exit(line, entry.name, response, result)

    def record_fast_answers(self, answers: list[FastAnswers]) -> None:
        """Count the calls the C fast path answered, as if they had been handled here."""
        for answer in answers:
            self.coverage.record(self.table.by_number[answer.nr],
                                 Response(errno=answer.errno, continue_call=answer.continued),
                                 answer.calls)

    def handle(self, event: SyscallEvent) -> Response:
        entry = self.table.by_number.get(event.nr) if event.arch == AUDIT_ARCH_X86_64 else None
        route = self.routes.get(event.nr)
        if entry is None or (route is None and not self.intercept_all):
            # The filter only sends the table's intercepted calls; anything else means the
            # filter and table disagree. Refuse rather than guess.
            log.error("unexpected intercepted call nr=%d arch=%#x", event.nr, event.arch)
            return Response.error(errno.ENOSYS)
        if route is None:
            response = answer_as_filter(entry, event.args)
        else:
            response = self._run_handler(event, *route)
        self.coverage.record(entry, response)
        return response

    def _run_handler(self, event: SyscallEvent, entry: SyscallEntry, handler: Handler
                     ) -> Response:
        call = SyscallCall(event=event, entry=entry, platform=self.platform,
                           sandbox=self.sandbox)
        try:
            return handler(call)
        except ProcessLookupError:
            return Response.error(errno.ESRCH)  # caller is gone: nobody reads this
        except OSError as err:
            # Reading or writing the caller's memory failed: a bad pointer is its bug.
            return Response.error(err.errno or errno.EFAULT)
