"""`runsc-py [global flags] COMMAND ...`: parses flags and hands off to the command.

Start-up time is part of every run, so a command module imports at its top only what its
parser needs (argparse and a few constants); its `execute` imports the machinery on use.
Building the parser of every command therefore costs little, and only the command that
runs pays for its own imports (`run` does not load the reports, `syscalls` no sandbox)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from sentry import log
from sentry.cli import coverage, do, run, spec, syscalls
from sentry.platform import PLATFORM_NAMES

DEFAULT_STATE_ROOT = "/run/runsc-py"
COMMANDS = (run, do, spec, syscalls, coverage)
GLOBAL_SWITCHES = frozenset({"--strace", "--debug"})
GLOBAL_VALUE_FLAGS = frozenset({"--platform", "--strace-syscalls", "--log", "--root"})


def terminal_width() -> int:
    """shutil.get_terminal_size().columns, without importing shutil."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):  # no stdout, or not a terminal
        return 80


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, told the terminal's width: left to itself it imports shutil
    (with bz2, lzma, fnmatch: ~3 ms of every start) to ask, once per argument added."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=terminal_width() - 2)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose subparsers, of every level, use HelpFormatter too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)


def command_named(argv: Sequence[str]) -> str | None:
    """The command `argv` runs, when the global flags before it are spelled out in full
    (`--root DIR`, `--root=DIR`, `--strace`); else None: --help, an abbreviation, an
    unknown flag or command are left to the parser with every command."""
    i = 0
    while i < len(argv):
        token = argv[i]
        if token in GLOBAL_SWITCHES:
            i += 1
        elif token in GLOBAL_VALUE_FLAGS:
            i += 2
        elif token.partition("=")[0] in GLOBAL_VALUE_FLAGS:
            i += 1
        else:
            return token if any(token == command.NAME for command in COMMANDS) else None
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of the one named `only`: each command's arguments
    cost ~0.5 ms to declare, and a run needs its own only."""
    parser = Parser(
        prog="runsc-py",
        description="A gVisor-style sandbox: runs OCI bundles and host commands with every "
                    "syscall passed through, emulated by the sentry, refused or fatal.")
    parser.add_argument("--platform", choices=PLATFORM_NAMES, default="seccomp",
                        help="how intercepted calls reach the sentry (default: seccomp)")
    parser.add_argument("--strace", action="store_true",
                        help="print one line per call the sentry sees, in strace's format, to "
                             "stderr (or --log); with --coverage=full that is every call")
    parser.add_argument("--strace-syscalls", metavar="NAME,NAME",
                        help="with --strace, print only these calls (as runsc's flag)")
    parser.add_argument("--debug", action="store_true", help="log the sentry's decisions")
    parser.add_argument("--log", metavar="FILE", help="write logs and --strace here")
    parser.add_argument("--root", metavar="STATE_DIR", default=DEFAULT_STATE_ROOT,
                        help=f"directory for sandbox state (default: {DEFAULT_STATE_ROOT})")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        if only is None or command.NAME == only:
            command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """The program: run the command, then end the process at once with its status.

    Python's own teardown (freeing every module and object, with full garbage
    collections) took 20-40 ms after each run had finished; nothing is left for it to do:
    the command's files are closed, its children reaped, and stdout/stderr are flushed
    here. A flush that fails (a closed pipe) takes the usual way out, which reports it."""
    status = run_command(argv)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(status)
    os._exit(status)


def run_command(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the command; return the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(command_named(argv)).parse_args(argv)
    log_stream = open(args.log, "a", encoding="utf-8") if args.log else sys.stderr  # noqa: SIM115
    log.configure(log_stream, args.debug)
    args.log_stream = log_stream
    try:
        return int(args.execute(args))
    except KeyboardInterrupt:
        return 130
    finally:
        if log_stream is not sys.stderr:
            log_stream.close()


if __name__ == "__main__":
    main()
