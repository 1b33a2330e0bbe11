"""The command line: every command explains itself, and the global flags do what they say."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import MakeBundle, Runsc

from sentry.cli import main as cli_main

RUNSC = Path(__file__).resolve().parent.parent / "runsc.py"
COMMANDS = [[], ["run"], ["do"], ["spec"], ["syscalls"], ["coverage"], ["coverage", "report"],
            ["coverage", "profile"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "runsc-py")
def test_every_command_has_help(command: list[str]) -> None:
    result = subprocess.run([sys.executable, str(RUNSC), *command, "--help"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: runsc-py")


def test_top_level_help_lists_every_command() -> None:
    result = subprocess.run([sys.executable, str(RUNSC), "--help"],
                            capture_output=True, text=True, timeout=60)
    listed = {line.split()[0] for line in result.stdout.splitlines()
              if line.startswith("    ") and line.split()}
    assert {command.NAME for command in cli_main.COMMANDS} <= listed, result.stdout


@pytest.mark.parametrize("argv", [
    ["do", "--", "true"],
    ["--root", "/tmp/state", "--strace", "do", "--", "true"],
    ["--root=/tmp/state", "--platform", "ptrace", "--debug", "do"],
    ["--root", "run", "do"],  # a flag's value that is also a command's name
])
def test_the_command_is_found_past_global_flags_spelled_out(argv: list[str]) -> None:
    assert cli_main.command_named(argv) == "do"


@pytest.mark.parametrize("argv", [
    [], ["--help", "do"], ["-h"], ["--plat", "ptrace", "do"], ["--unknown", "do"], ["bogus"],
    ["--", "do"],
])
def test_without_a_plain_command_every_command_is_parsed(argv: list[str]) -> None:
    assert cli_main.command_named(argv) is None


@pytest.mark.parametrize("columns", [50, 160])
def test_help_is_wrapped_to_the_terminal_width_in_columns(columns: int) -> None:
    result = subprocess.run([sys.executable, str(RUNSC), "do", "--help"],
                            capture_output=True, text=True, timeout=60,
                            env={"COLUMNS": str(columns), "PATH": "/usr/bin:/bin"})
    widest = max(len(line) for line in result.stdout.splitlines())
    assert columns - 30 < widest <= columns, result.stdout


def test_log_flag_sends_strace_lines_to_the_file(
    runsc: Runsc, make_bundle: MakeBundle, tmp_path: Path
) -> None:
    log = tmp_path / "sentry.log"
    result = runsc("--strace", "--log", str(log), "run", make_bundle(["/bin/uname", "-n"]).path)
    assert result.returncode == 0, result.stderr
    assert "uname(" in log.read_text()
    assert "uname(" not in result.stderr


# A decision each platform logs at every run with --debug.
DEBUG_LINES = {
    "seccomp": ("runsc-py: DEBUG sentry.platform.seccomp_notify: "
                "SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP"),
    "ptrace": ("runsc-py: DEBUG sentry.platform.ptrace: fast path: resumes keep the tracee "
               "on the tracer's CPU"),
}


def test_debug_flag_logs_the_sentrys_decisions(runsc: Runsc) -> None:
    result = runsc("--debug", "do", "--", "/bin/true")
    assert result.returncode == 0, result.stderr
    assert DEBUG_LINES[runsc.platform] in result.stderr


def test_without_debug_flag_no_debug_line_is_written(runsc: Runsc) -> None:
    result = runsc("do", "--", "/bin/true")
    assert result.returncode == 0, result.stderr
    assert "DEBUG" not in result.stderr


def test_debug_lines_go_to_the_log_file(runsc: Runsc, tmp_path: Path) -> None:
    log = tmp_path / "sentry.log"
    result = runsc("--debug", "--log", str(log), "do", "--", "/bin/true")
    assert result.returncode == 0, result.stderr
    assert DEBUG_LINES[runsc.platform] in log.read_text()
    assert "DEBUG" not in result.stderr


def test_a_missing_command_is_a_usage_error() -> None:
    result = subprocess.run([sys.executable, str(RUNSC)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2
    assert "COMMAND" in result.stderr
