"""uname: the box sees its own hostname and never the host's domain name."""

from __future__ import annotations

import os

from sentry.handlers import SyscallCall, syscall_handler
from sentry.platform.base import Response

_FIELD = 65  # __NEW_UTS_LEN + 1


def utsname_bytes(hostname: str) -> bytes:
    host = os.uname()
    fields = ("Linux", hostname, host.release, host.version, host.machine, "(none)")
    return b"".join(f.encode()[: _FIELD - 1].ljust(_FIELD, b"\0") for f in fields)


@syscall_handler("uname")
def uname(call: SyscallCall) -> Response:
    call.write(call.args[0], utsname_bytes(call.sandbox.hostname))
    return Response(value=0)
