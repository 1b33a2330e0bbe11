"""Calls the table refuses fail with its errno; calls it kills end the run with a message."""

from __future__ import annotations

import signal
import time

import pytest
from conftest import MakeBundle, Runsc, StaticProgram

SIGSYS_STATUS = 128 + signal.SIGSYS  # 159: what a seccomp KILL_PROCESS looks like to `run`


def run_program(
    runsc: Runsc, make_bundle: MakeBundle, static_program: StaticProgram, name: str
) -> tuple[int, str, str]:
    """Runs tests/programs/<name>.c as the workload of a busybox bundle."""
    bundle = make_bundle([f"/bin/{name}"])
    bundle.install(static_program(name))
    result = runsc("run", bundle.path)
    return result.returncode, result.stdout, result.stderr


def violation_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "security violation" in line]


@pytest.mark.parametrize(
    ("program", "errno_name"),
    [
        ("mount_call", "EPERM"),
        ("io_uring_setup", "ENOSYS"),
        ("clone3_call", "ENOSYS"),
    ],
)
def test_denied_call_fails_with_the_tables_errno(
    runsc: Runsc,
    make_bundle: MakeBundle,
    static_program: StaticProgram,
    program: str,
    errno_name: str,
) -> None:
    status, stdout, stderr = run_program(runsc, make_bundle, static_program, program)

    assert status == 0, stderr
    assert stdout == f"{errno_name}\n"


def test_i386_int80_call_kills_the_run_with_sigsys(
    runsc: Runsc, make_bundle: MakeBundle, static_program: StaticProgram
) -> None:
    status, stdout, stderr = run_program(runsc, make_bundle, static_program, "int80")

    assert status == SIGSYS_STATUS, stderr
    assert "survived" not in stdout


def test_i386_int80_call_is_reported_as_a_security_violation_naming_i386(
    runsc: Runsc, make_bundle: MakeBundle, static_program: StaticProgram
) -> None:
    _, _, stderr = run_program(runsc, make_bundle, static_program, "int80")

    assert [line for line in violation_lines(stderr) if "i386" in line], stderr


def test_x32_call_kills_the_run_with_sigsys(
    runsc: Runsc, make_bundle: MakeBundle, static_program: StaticProgram
) -> None:
    status, stdout, stderr = run_program(runsc, make_bundle, static_program, "x32_call")

    assert status == SIGSYS_STATUS, stderr
    assert "survived" not in stdout


def test_x32_call_is_reported_as_a_security_violation(
    runsc: Runsc, make_bundle: MakeBundle, static_program: StaticProgram
) -> None:
    _, _, stderr = run_program(runsc, make_bundle, static_program, "x32_call")

    assert violation_lines(stderr), stderr


def sentry_seccomp_mode(pid: int) -> str:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("Seccomp:"):
                return line.split()[1]
    return ""


def test_the_sentry_runs_under_its_own_seccomp_filter_once_the_box_runs(
    runsc: Runsc, make_bundle: MakeBundle
) -> None:
    """DESIGN rule 5: the sentry refuses mount, module, bpf, exec... for itself."""
    proc = runsc.popen("run", make_bundle(["sleep", "30"]).path)
    try:
        deadline = time.monotonic() + 60
        while sentry_seccomp_mode(proc.pid) != "2" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sentry_seccomp_mode(proc.pid) == "2"
    finally:
        proc.terminate()
        proc.communicate(timeout=60)
