"""`runsc-py spec`: write a default config.json, as `runc spec` does."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sentry.cli.common import fail

NAME = "spec"


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(NAME, help="write a default config.json",
                                 description=__doc__)
    parser.add_argument("--bundle", "-b", metavar="DIR", default=".",
                        help="where to write config.json (default: the current directory)")
    parser.set_defaults(execute=execute)


def execute(args: argparse.Namespace) -> int:
    from sentry.oci.defaults import default_spec  # on use: see cli/main.py

    target = Path(args.bundle) / "config.json"
    if target.exists():
        return fail(f"{target} already exists")
    try:
        target.write_text(json.dumps(default_spec(), indent=2) + "\n")
    except OSError as err:
        return fail(f"cannot write {target}: {err.strerror}")
    return 0
