"""No process, mount, cgroup or state file of a sandbox outlives its run: a run that ends by
itself, one whose workload is killed from outside, and one whose runsc-py gets a signal.

Each run is started in the runc form with a unique container id (the marker), and the workload
carries the marker in its environment, so the sandbox's processes can be found on the host.
The config sets linux.resources so that the run creates cgroups."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from conftest import (
    RUNSC_TIMEOUT,
    Bundle,
    HostSnapshot,
    MakeBundle,
    Runsc,
    processes_marked,
    runsc_cgroups,
)

# Hang guards, not performance thresholds: how long to wait for the workload to show up, and
# for cleanup that legitimately happens after runsc-py itself is gone (it was SIGKILLed).
GUARD_SECONDS = 60.0
POLL_SECONDS = 0.05

LONG_SLEEP = ["/bin/sleep", "1000"]

StartRun = Callable[[Bundle], subprocess.Popen[str]]


@pytest.fixture
def marker() -> str:
    return f"runsc-cleanup-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def marked_bundle(make_bundle: MakeBundle, marker: str) -> MakeBundle:
    """`marked_bundle(args)`: a bundle whose workload carries the marker and has cgroup limits."""

    def make(args: list[str]) -> Bundle:
        return make_bundle(
            args,
            process={"env": ["PATH=/bin:/usr/bin", f"RUNSC_TEST_MARKER={marker}"]},
            linux={"resources": {"memory": {"limit": 64 * 1024 * 1024}, "pids": {"limit": 64}}},
        )

    return make


@pytest.fixture
def start_run(runsc: Runsc, marker: str) -> Iterator[StartRun]:
    """`start_run(bundle)`: `run --bundle DIR MARKER` in the background. After the test,
    teardown kills its processes and removes its cgroups if any are left, so one failure does
    not leak into the next test or the host."""
    started: list[subprocess.Popen[str]] = []

    def start(bundle: Bundle) -> subprocess.Popen[str]:
        run = runsc.popen("run", "--bundle", bundle.path, marker)
        started.append(run)
        return run

    yield start
    for run in started:
        if run.poll() is None:
            run.kill()
            run.communicate()
    for pid in processes_marked(marker):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    for cgroup in sorted(runsc_cgroups(), reverse=True):
        if marker in cgroup:
            with contextlib.suppress(OSError):  # still busy: a killed process is exiting
                os.rmdir(cgroup)


def wait_for_workload(run: subprocess.Popen[str], marker: str, argv: list[str]) -> int:
    """The host pid of the sandboxed process running `argv` once it has started."""
    wanted = " ".join(argv)
    deadline = time.monotonic() + GUARD_SECONDS
    while time.monotonic() < deadline:
        for pid, cmdline in processes_marked(marker).items():
            if cmdline == wanted:
                return pid
        if run.poll() is not None:
            pytest.fail(f"run ended before its workload started: {run.communicate()[1]}")
        time.sleep(POLL_SECONDS)
    run.kill()
    pytest.fail(f"workload {wanted!r} did not start; stderr: {run.communicate()[1]}")


def finish(run: subprocess.Popen[str]) -> int:
    """Waits for runsc-py to exit (a hang fails the test) and returns its status."""
    try:
        run.communicate(timeout=RUNSC_TIMEOUT)
    except subprocess.TimeoutExpired:
        run.kill()
        run.communicate()
        pytest.fail("runsc-py did not exit")
    return run.returncode


def leftovers_once_settled(
    host_snapshot: HostSnapshot, *, marker: str, bundle: Bundle, runsc: Runsc
) -> list[str]:
    """Leftovers, polled until none remain or the guard expires: for a runsc-py that was
    SIGKILLed, whatever it leaves to clean up is cleaned after its exit is seen."""
    deadline = time.monotonic() + GUARD_SECONDS
    while True:
        found = host_snapshot.leftovers(marker=marker, bundle=bundle, state_root=runsc.state_root)
        if not found or time.monotonic() >= deadline:
            return found
        time.sleep(POLL_SECONDS)


# --- runs that end by themselves -----------------------------------------------------------


def test_a_finished_run_leaves_nothing_behind(
    runsc: Runsc, marked_bundle: MakeBundle, marker: str, host_snapshot: HostSnapshot
) -> None:
    bundle = marked_bundle(["/bin/sh", "-c", "echo done"])

    result = runsc("run", "--bundle", bundle.path, marker)

    assert result.returncode == 0, result.stderr
    assert host_snapshot.leftovers(marker=marker, bundle=bundle, state_root=runsc.state_root) == []


def test_a_failed_run_leaves_nothing_behind(
    runsc: Runsc, marked_bundle: MakeBundle, marker: str, host_snapshot: HostSnapshot
) -> None:
    bundle = marked_bundle(["/bin/sh", "-c", "exit 3"])

    result = runsc("run", "--bundle", bundle.path, marker)

    assert result.returncode == 3, result.stderr
    assert host_snapshot.leftovers(marker=marker, bundle=bundle, state_root=runsc.state_root) == []


def test_background_processes_do_not_outlive_the_run(
    runsc: Runsc, marked_bundle: MakeBundle, marker: str, host_snapshot: HostSnapshot
) -> None:
    bundle = marked_bundle(["/bin/sh", "-c", "sleep 1000 & sleep 1000 & echo started"])

    result = runsc("run", "--bundle", bundle.path, marker)

    assert result.stdout == "started\n", result.stderr
    assert host_snapshot.leftovers(marker=marker, bundle=bundle, state_root=runsc.state_root) == []


# --- a workload killed from outside ----------------------------------------------------------


def test_a_workload_killed_from_outside_ends_the_run_with_137(
    start_run: StartRun, marked_bundle: MakeBundle, marker: str
) -> None:
    bundle = marked_bundle(LONG_SLEEP)
    run = start_run(bundle)
    workload = wait_for_workload(run, marker, LONG_SLEEP)

    os.kill(workload, signal.SIGKILL)

    assert finish(run) == 128 + signal.SIGKILL


def test_a_workload_killed_from_outside_leaves_nothing_behind(
    runsc: Runsc,
    start_run: StartRun,
    marked_bundle: MakeBundle,
    marker: str,
    host_snapshot: HostSnapshot,
) -> None:
    bundle = marked_bundle(LONG_SLEEP)
    run = start_run(bundle)
    workload = wait_for_workload(run, marker, LONG_SLEEP)

    os.kill(workload, signal.SIGKILL)
    finish(run)

    assert host_snapshot.leftovers(marker=marker, bundle=bundle, state_root=runsc.state_root) == []


# --- runsc-py itself gets a signal -----------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_to_runsc_py_ends_the_sandbox_and_leaves_nothing_behind(
    runsc: Runsc,
    start_run: StartRun,
    marked_bundle: MakeBundle,
    marker: str,
    host_snapshot: HostSnapshot,
    signum: signal.Signals,
) -> None:
    bundle = marked_bundle(LONG_SLEEP)
    run = start_run(bundle)
    wait_for_workload(run, marker, LONG_SLEEP)

    run.send_signal(signum)
    finish(run)

    assert host_snapshot.leftovers(marker=marker, bundle=bundle, state_root=runsc.state_root) == []


def test_sigkill_to_runsc_py_leaves_nothing_behind(
    runsc: Runsc,
    start_run: StartRun,
    marked_bundle: MakeBundle,
    marker: str,
    host_snapshot: HostSnapshot,
) -> None:
    """What a CI timeout does (subprocess's kill()): SIGKILL to the runsc-py process only."""
    bundle = marked_bundle(LONG_SLEEP)
    run = start_run(bundle)
    wait_for_workload(run, marker, LONG_SLEEP)

    run.kill()
    finish(run)

    assert leftovers_once_settled(host_snapshot, marker=marker, bundle=bundle, runsc=runsc) == []
