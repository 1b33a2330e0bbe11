"""`runsc-py syscalls [--arch x86_64|aarch64] [--format table|csv|json|markdown|html]`: the
static support report of the syscall table, as gVisor publishes its compatibility page:
"Of N syscalls, M have a full or partial implementation; K are unimplemented", the counts
by disposition and support, and number, name, disposition, support, errno and note of
every call. Needs no root: it only reads the table."""

from __future__ import annotations

import argparse
import sys

from sentry.coverage import STATIC_FORMATS
from syscall_tables import ARCHES

NAME = "syscalls"


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(NAME, help="print the static syscall support report",
                                 description=__doc__)
    parser.add_argument("--arch", choices=ARCHES, default="x86_64",
                        help="which architecture's table (default: x86_64)")
    parser.add_argument("--format", choices=STATIC_FORMATS, default="table",
                        help="output format (default: table)")
    parser.set_defaults(execute=execute)


def execute(args: argparse.Namespace) -> int:
    from sentry.coverage.static import render  # on use: see cli/main.py
    from syscall_tables import load_table

    sys.stdout.write(render(load_table(args.arch), args.format))
    return 0
