"""`--coverage=full`: the filter sends every call but the kill ones to the sentry, which
then answers passthrough and deny calls exactly as the normal filter would have.

Why CONTINUE is safe here (DESIGN rule 2): rule 2 forbids letting the kernel re-read
memory on which the sentry based a decision. For these calls the sentry makes no decision
of its own: it evaluates the same table rules the normal filter compiles to BPF, on the
same register arguments (frozen in the notification; no pointer is read), and a call it
continues is exactly one the normal filter would have allowed. The workload gains nothing
it would not have had with ALLOW in BPF; it only pays a round trip through the sentry.
"""

from __future__ import annotations

import errno

from sentry.platform.base import Response
from syscall_tables.model import Disposition, SyscallEntry

CONTINUE = Response(continue_call=True)


def answer_as_filter(entry: SyscallEntry, args: tuple[int, ...]) -> Response:
    """The normal filter's answer for a passthrough or deny call: its argument rules for
    passthrough (allowed: continue; refused: the rule's errno), the table's errno for
    deny. Arguments no rule covers get the filter's default, ENOSYS, as in BPF."""
    if entry.disposition is Disposition.DENY:
        assert entry.errno is not None, entry.name
        return Response.error(entry.errno)
    if entry.disposition is not Disposition.PASSTHROUGH:
        raise ValueError(f"{entry.name} is {entry.disposition.value}: not the filter's to answer")
    if not entry.arg_rules:
        return CONTINUE
    for rule in entry.arg_rules:
        if rule.matches(args):
            return CONTINUE if rule.errno is None else Response.error(rule.errno)
    return Response.error(errno.ENOSYS)
