"""The sentry may hold a woken caller on its own CPU for the length of a wakeup
(csrc/placement.h: the seccomp ADDFD of an open, and the ptrace loop's resumes). The
workload must not be able to tell: every thread keeps the affinity mask, policy,
reset-on-fork flag and nice value it had, and a thread or process created right after a
call gets its creator's own mask (tests/programs/placement_calls.c makes the checks)."""

from __future__ import annotations

from conftest import MakeBundle, Runsc, StaticProgram
from test_ptrace_platform import run_program

CHECKS = ["thread normal", "thread normal 2", "thread batch", "thread idle", "inherited",
          "main", "main policy", "reset on fork", "nice", "pinned", "exec child"]


def test_a_threads_affinity_and_policy_are_its_own_after_calls(
    runsc: Runsc, make_bundle: MakeBundle, static_program: StaticProgram
) -> None:
    result = run_program(runsc, make_bundle, static_program, "placement_calls")

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"{check} ok" for check in CHECKS]
