"""`run`/`do --coverage-out FILE`: the record of what a workload asked for and how the
sandbox answered, checked against strace and against what the workload itself saw."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import MakeBundle, Runsc, StaticProgram

IMPORT_JSON = [sys.executable, "-c", "import json"]
COMPARED = ("openat", "newfstatat", "read", "mmap")

# Prints the errno name a refused socket(AF_PACKET, SOCK_RAW) gets: the table's socket
# rule refuses every family but unix/inet/inet6/netlink with EAFNOSUPPORT.
PACKET_SOCKET = ("import errno, socket\n"
                 "try:\n    socket.socket(17, 3)\nexcept OSError as e:\n"
                 "    print(errno.errorcode[e.errno])\n")


def record_of(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def calls_by_name(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {call["name"]: call for call in record["syscalls"]}


def strace_counts(summary: str) -> dict[str, int]:
    """Calls per syscall from `strace -c` output (columns: % time, seconds, usecs/call,
    calls, [errors,] syscall)."""
    counts = {}
    for line in summary.splitlines():
        fields = line.split()
        if len(fields) in (5, 6) and fields[0][0].isdigit() and fields[3].isdigit():
            counts[fields[-1]] = int(fields[3])
    return counts


def test_full_coverage_of_import_json_agrees_with_strace(runsc: Runsc, tmp_path: Path) -> None:
    strace = shutil.which("strace")
    if strace is None:
        pytest.skip("strace is not installed")
    workdir = tmp_path / "work"  # the same empty cwd for both: -c puts it on sys.path
    workdir.mkdir()
    record_path = tmp_path / "coverage.json"
    result = runsc("do", "--coverage=full", "--coverage-out", record_path, "--", *IMPORT_JSON,
                   cwd=workdir)
    assert result.returncode == 0, result.stderr
    summary_path = tmp_path / "strace.txt"
    subprocess.run([strace, "-c", "-f", "-o", str(summary_path), *IMPORT_JSON], cwd=workdir,
                   check=True, capture_output=True)
    native = strace_counts(summary_path.read_text())
    sandboxed = calls_by_name(record_of(record_path))

    for name in COMPARED:
        assert name in sandboxed and name in native, name
        # The sandbox's own startup (closing its hand-off fds, exec) makes none of these
        # calls, so the counts should match; the slack covers the few lookups a Python
        # startup may vary with its surroundings (a fresh /proc, an overlay root), not
        # the sentry missing calls: missing them would show as a large gap.
        slack = max(2, native[name] // 50)
        assert abs(sandboxed[name]["count"] - native[name]) <= slack, (
            name, sandboxed[name]["count"], native[name])


def test_full_record_says_how_each_call_was_handled(runsc: Runsc, tmp_path: Path) -> None:
    record_path = tmp_path / "coverage.json"
    result = runsc("do", "--coverage=full", "--coverage-out", record_path, "--", *IMPORT_JSON)
    assert result.returncode == 0, result.stderr
    record = record_of(record_path)
    calls = calls_by_name(record)

    assert record["mode"] == "full"
    assert record["command"] == IMPORT_JSON
    assert record["exit_status"] == 0
    assert record["platform"] in ("seccomp", "ptrace")
    assert calls["read"]["disposition"] == "passthrough"
    assert calls["read"]["handled"] == {"passthrough-continued": calls["read"]["count"]}
    assert record["totals"]["calls"] == sum(call["count"] for call in record["syscalls"])
    assert [group["disposition"] for group in record["not_seen"]] == ["kill", "unknown"]


def test_record_without_full_coverage_lists_what_it_could_not_see(
        runsc: Runsc, tmp_path: Path) -> None:
    record_path = tmp_path / "coverage.json"
    result = runsc("do", "--coverage-out", record_path, "--", *IMPORT_JSON)
    assert result.returncode == 0, result.stderr
    record = record_of(record_path)

    assert record["mode"] == "intercepted"
    assert {call["disposition"] for call in record["syscalls"]} <= {"emulate", "gofer"}
    unseen = {group["disposition"]: group for group in record["not_seen"]}
    assert "read" in unseen["passthrough"]["syscalls"]
    assert "mount" in unseen["deny"]["syscalls"]
    assert "--coverage=full" in unseen["passthrough"]["reason"]


def test_full_record_counts_a_denied_call_with_the_tables_errno(
        runsc: Runsc, make_bundle: MakeBundle, static_program: StaticProgram,
        tmp_path: Path) -> None:
    bundle = make_bundle(["/bin/io_uring_setup"])
    bundle.install(static_program("io_uring_setup"))
    record_path = tmp_path / "coverage.json"
    result = runsc("run", "--coverage=full", "--coverage-out", record_path, bundle.path)

    assert result.stdout == "ENOSYS\n", result.stderr
    record = record_of(record_path)
    call = calls_by_name(record)["io_uring_setup"]
    assert call["handled"] == {"denied": 1}
    assert call["errors"] == {"ENOSYS": 1}
    assert "io_uring_setup" in {c["name"] for c in record["not_fully_supported"]}


def test_full_coverage_refuses_by_argument_rule_as_the_normal_filter_does(
        runsc: Runsc, tmp_path: Path) -> None:
    command = [sys.executable, "-c", PACKET_SOCKET]
    normal = runsc("do", "--", *command)
    record_path = tmp_path / "coverage.json"
    full = runsc("do", "--coverage=full", "--coverage-out", record_path, "--", *command)

    assert normal.stdout == full.stdout == "EAFNOSUPPORT\n", (normal.stderr, full.stderr)
    socket_call = calls_by_name(record_of(record_path))["socket"]
    assert socket_call["handled"].get("denied") == 1
    assert socket_call["errors"] == {"EAFNOSUPPORT": 1}


def test_record_names_the_security_violation_of_a_killed_run(
        runsc: Runsc, make_bundle: MakeBundle, static_program: StaticProgram,
        tmp_path: Path) -> None:
    bundle = make_bundle(["/bin/int80"])
    bundle.install(static_program("int80"))
    record_path = tmp_path / "coverage.json"
    runsc("run", "--coverage-out", record_path, bundle.path)

    record = record_of(record_path)
    assert record["exit_status"] == 159
    assert "i386" in record["security_violation"]


def test_coverage_out_into_a_missing_directory_fails_before_the_run(
        runsc: Runsc, tmp_path: Path) -> None:
    result = runsc("do", "--coverage-out", tmp_path / "missing" / "c.json", "--", "true")

    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "--coverage-out" in result.stderr
