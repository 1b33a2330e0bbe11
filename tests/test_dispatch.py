"""The sentry's dispatch and the syscall table name the same calls."""

from __future__ import annotations

import errno

from sentry.dispatch import intercepted_routes
from sentry.handlers import load_all
from sentry.handlers.sys_utsname import utsname_bytes
from sentry.platform.base import Response
from sentry.strace import format_call, format_result
from syscall_tables import load_table


def test_every_intercepted_call_has_a_handler_and_every_handler_is_intercepted():
    routes = intercepted_routes(load_table("x86_64"))
    intercepted = {e.number for e in load_table("x86_64").entries if e.intercepted}
    assert set(routes) == intercepted
    assert {entry.name for entry, _ in routes.values()} == set(load_all())


def test_uname_reports_the_sandbox_hostname_not_the_hosts():
    fields = [f.rstrip(b"\0").decode() for f in
              (utsname_bytes("box")[i * 65:(i + 1) * 65] for i in range(6))]
    assert fields[0] == "Linux"
    assert fields[1] == "box"
    assert fields[5] == "(none)"


def test_strace_line_shows_decoded_arguments():
    assert format_call("getuid", ()) == "getuid()"
    assert format_call("personality", (0xFFFFFFFF,)) == "personality(0xffffffff)"


def test_strace_result_names_the_errno():
    assert format_result(Response.error(errno.EPERM)) == "-1 EPERM (Operation not permitted)"
