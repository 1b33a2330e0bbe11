"""`runsc-py run BUNDLE_DIR`, or runc's form `runsc-py run --bundle DIR ID`: run an OCI
bundle to its end and exit with the workload's status."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from sentry.cli.common import add_coverage_flags, fail, new_sandbox_id, start

VALID_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


NAME = "run"


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(NAME, help="run an OCI bundle",
                                 description=__doc__)
    parser.add_argument("--bundle", "-b", metavar="DIR",
                        help="bundle directory (runc form: then the positional is the ID)")
    parser.add_argument("target", metavar="BUNDLE_DIR|ID",
                        help="the bundle directory, or the container ID with --bundle")
    parser.add_argument("--overlay", choices=("none", "memory"), default="none",
                        help="memory: the rootfs stays byte-for-byte unchanged; writes land in "
                             "an in-memory layer that vanishes with the sandbox")
    add_coverage_flags(parser)
    parser.set_defaults(execute=execute)


def execute(args: argparse.Namespace) -> int:
    from sentry.oci.config import ConfigError, load_bundle  # on use: see cli/main.py
    from sentry.sandbox.oci_plan import UnsupportedConfig, plan_from_config

    if args.bundle:
        bundle, sandbox_id = args.bundle, args.target
        if not VALID_ID.match(sandbox_id):
            return fail(f"invalid container id {sandbox_id!r}")
    else:
        bundle, sandbox_id = args.target, new_sandbox_id()
    scratch = Path(args.root) / sandbox_id / "scratch" if args.overlay == "memory" else None
    try:
        plan = plan_from_config(load_bundle(bundle), overlay_scratch=scratch)
    except (ConfigError, UnsupportedConfig) as err:
        return fail(str(err))
    return start(args, sandbox_id, plan)
