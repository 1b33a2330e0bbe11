"""Where the box's PID 1 writes to enter its cgroups (sentry/sandbox/cgroups.py), on a
cgroup tree laid out in a temporary directory: v1's per-thread `tasks` (no threadgroup
lock, so no RCU grace period), v2's `cgroup.procs` (v2 has no `tasks`). The moves
themselves are the real runs' (test_run_bundle.py, test_cleanup.py)."""

from __future__ import annotations

from pathlib import Path

from sentry.sandbox.cgroups import PARENT, SandboxCgroup


def test_on_v1_each_controller_gets_its_thread_through_tasks(tmp_path: Path) -> None:
    for controller in ("memory", "pids", "cpuacct"):
        (tmp_path / controller / PARENT / "box").mkdir(parents=True)
    cgroup = SandboxCgroup("box", root=tmp_path)

    cgroup.enter()

    for controller in ("memory", "pids", "cpuacct"):
        box = tmp_path / controller / PARENT / "box"
        assert (box / "tasks").read_text() == "0"
        assert not (box / "cgroup.procs").exists()


def test_on_pure_v2_the_process_moves_through_cgroup_procs(tmp_path: Path) -> None:
    (tmp_path / "cgroup.controllers").write_text("memory pids\n")
    (tmp_path / PARENT / "box").mkdir(parents=True)
    cgroup = SandboxCgroup("box", root=tmp_path)

    cgroup.enter()

    box = tmp_path / PARENT / "box"
    assert (box / "cgroup.procs").read_text() == "0"
    assert not (box / "tasks").exists()
