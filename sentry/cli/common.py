"""What the commands that start a sandbox share: ids, errors, and the run itself.

Only argparse-level names are imported here: building the parser of every command must
not load the sandbox machinery, which `start` imports for the command that runs."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sentry.coverage import MODE_FULL, MODE_INTERCEPTED, MODES

if TYPE_CHECKING:
    from sentry.sandbox.plan import WorkloadPlan

EXIT_USAGE = 1


def new_sandbox_id() -> str:
    # os.urandom, as secrets.token_hex does, without importing secrets (and hmac, hashlib).
    return f"runsc-{os.urandom(6).hex()}"


def fail(message: str) -> int:
    print(f"runsc-py: {message}" if not message.startswith("config.json") else message,
          file=sys.stderr)
    return EXIT_USAGE


COVERAGE_HELP = (
    f"{MODE_INTERCEPTED} (default): count the calls the sentry intercepts anyway (emulate, "
    f"gofer) at no extra cost; {MODE_FULL}: route every call but the kill ones through the "
    "sentry, so passthrough and deny calls are counted (and shown by --strace) too. "
    "Cost: a round trip through the sentry per passthrough call, about 15 us here "
    "(an os.getppid() loop: 0.35 us per call without, 13-25 us with --coverage=full)")


def add_coverage_flags(parser: argparse.ArgumentParser) -> None:
    """--coverage and --coverage-out, shared by `run` and `do`."""
    parser.add_argument("--coverage", choices=MODES, default=MODE_INTERCEPTED,
                        help=COVERAGE_HELP)
    parser.add_argument("--coverage-out", metavar="FILE", type=Path,
                        help="write a JSON record of every syscall the sentry saw: count, "
                             "disposition, how it was handled, errors by errno, the calls "
                             "the sandbox does not fully support, and what it could not see "
                             "(read it with `runsc-py coverage report FILE`)")


def strace_filter(text: str | None) -> frozenset[str] | None:
    """--strace-syscalls=a,b as a set of names; raises ValueError naming an unknown one."""
    if text is None:
        return None
    from syscall_tables import load_table  # on use: see cli/main.py

    names = frozenset(name.strip() for name in text.split(",") if name.strip())
    unknown = sorted(names - set(load_table("x86_64").by_name))
    if unknown or not names:
        raise ValueError(f"--strace-syscalls: unknown syscall {', '.join(unknown) or '(none)'}")
    return names


def start(args: argparse.Namespace, sandbox_id: str, plan: WorkloadPlan) -> int:
    from sentry.sandbox.runner import RunOptions, SandboxError, SandboxRunner  # on use

    try:
        only = strace_filter(args.strace_syscalls)
    except ValueError as err:
        return fail(str(err))
    coverage_out = args.coverage_out.absolute() if args.coverage_out else None
    if coverage_out is not None and not coverage_out.parent.is_dir():
        return fail(f"--coverage-out {args.coverage_out}: {coverage_out.parent} is not a "
                    "directory")
    options = RunOptions(sandbox_id=sandbox_id, state_root=Path(args.root),
                         platform=args.platform,
                         strace=args.log_stream if args.strace else None,
                         strace_syscalls=only, coverage=args.coverage,
                         coverage_out=coverage_out)
    try:
        return SandboxRunner(plan, options).run()
    except SandboxError as err:
        return fail(str(err))
