"""`runsc-py coverage report FILE [--format text|markdown|html] [-o OUT]` and
`runsc-py coverage profile FILE [-o OUT]`: read a record written by
`run/do --coverage-out FILE`. `report` makes it readable (the HTML page charts the calls
by disposition and lists what the program needed that the sandbox does not fully
support); `profile` writes the minimal OCI `linux.seccomp` profile allowing exactly the
calls the run made (needs a --coverage=full record), for config.json."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sentry.cli.common import fail
from sentry.coverage import REPORT_FORMATS

NAME = "coverage"


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(NAME, help="report on a run's coverage record, or "
                                                  "learn a seccomp profile from it",
                                 description=__doc__)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    report = actions.add_parser("report", help="a readable report of a coverage record",
                                description=__doc__)
    report.add_argument("record", type=Path, metavar="FILE", help="the --coverage-out record")
    report.add_argument("--format", choices=REPORT_FORMATS, default="text",
                        help="output format (default: text)")
    report.add_argument("--output", "-o", type=Path, metavar="OUT",
                        help="write here instead of stdout")
    report.set_defaults(execute=execute_report)
    profile = actions.add_parser("profile", help="the OCI linux.seccomp profile a run teaches",
                                 description=__doc__)
    profile.add_argument("record", type=Path, metavar="FILE",
                         help="a --coverage=full --coverage-out record")
    profile.add_argument("--output", "-o", type=Path, metavar="OUT",
                         help="write here instead of stdout")
    profile.set_defaults(execute=execute_profile)


def write(text: str, output: Path | None) -> int:
    if output is None:
        sys.stdout.write(text)
        return 0
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as err:
        return fail(f"cannot write {output}: {err.strerror or err}")
    return 0


def execute_report(args: argparse.Namespace) -> int:
    from sentry.coverage.record import RecordError, load_record  # on use: see cli/main.py
    from sentry.coverage.report import render

    try:
        record = load_record(args.record)
    except RecordError as err:
        return fail(str(err))
    return write(render(record, args.format), args.output)


def execute_profile(args: argparse.Namespace) -> int:
    from sentry.coverage.profile import ProfileUnavailable, learn_profile  # on use
    from sentry.coverage.record import RecordError, load_record

    try:
        profile = learn_profile(load_record(args.record))
    except (RecordError, ProfileUnavailable) as err:
        return fail(str(err))
    return write(json.dumps(profile, indent=2) + "\n", args.output)
