"""What the commands that start a sandbox share: ids, errors, and the run itself."""

from __future__ import annotations

import argparse
import secrets
import sys
from pathlib import Path

from sentry.oci.config import ConfigError
from sentry.sandbox.oci_plan import UnsupportedConfig
from sentry.sandbox.plan import WorkloadPlan
from sentry.sandbox.runner import RunOptions, SandboxError, SandboxRunner

EXIT_USAGE = 1


def new_sandbox_id() -> str:
    return f"runsc-{secrets.token_hex(6)}"


def fail(message: str) -> int:
    print(f"runsc-py: {message}" if not message.startswith("config.json") else message,
          file=sys.stderr)
    return EXIT_USAGE


def start(args: argparse.Namespace, sandbox_id: str, plan: WorkloadPlan) -> int:
    options = RunOptions(sandbox_id=sandbox_id, state_root=Path(args.root),
                         platform=args.platform,
                         strace=args.log_stream if args.strace else None)
    try:
        return SandboxRunner(plan, options).run()
    except SandboxError as err:
        return fail(str(err))


PLAN_ERRORS = (ConfigError, UnsupportedConfig)
