"""What tracing makes hard, run on both platforms (which must agree) unless a test is about
tracing itself: many tasks, exec from a thread, job control, signals, fds delivered into
the caller, and workloads that try to leave the sentry's sight. Every other e2e test runs
on both platforms too (conftest PLATFORMS); `--platform=ptrace` is sentry/platform/ptrace.py.
"""

from __future__ import annotations

import subprocess
import uuid
from typing import Any

import pytest
from conftest import MakeBundle, Runsc, StaticProgram, processes_marked

PTRACE_ONLY = pytest.mark.parametrize("runsc", ["ptrace"], indirect=True)


def run_program(runsc: Runsc, make_bundle: MakeBundle, static_program: StaticProgram,
                name: str, *args: str, **overrides: Any) -> subprocess.CompletedProcess[str]:
    """Runs tests/programs/NAME.c, built static, as the bundle's process."""
    bundle = make_bundle([f"/bin/{name}", *args], **overrides)
    bundle.install(static_program(name))
    return runsc("run", bundle.path)


# --- many tasks ----------------------------------------------------------------------------


def test_200_forks_16_threads_and_an_exec_from_a_thread_give_the_right_output(
    runsc: Runsc, make_bundle: MakeBundle, static_program: StaticProgram
) -> None:
    result = run_program(runsc, make_bundle, static_program, "fork_threads_exec")

    children = 4 * sum(range(50))  # child i exits with i % 50: tests/programs/fork_threads_exec.c
    n = 16 * 1000  # 16 threads sum 1..16000
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"children {children} threads {n * (n + 1) // 2}\n"


@PTRACE_ONLY
def test_a_run_of_many_tasks_leaves_no_traced_process_behind(
    runsc: Runsc, make_bundle: MakeBundle, static_program: StaticProgram
) -> None:
    marker = f"runsc-ptrace-{uuid.uuid4().hex[:12]}"

    result = run_program(runsc, make_bundle, static_program, "fork_threads_exec",
                         process={"env": ["PATH=/bin", f"RUNSC_TEST_MARKER={marker}"]})

    assert result.returncode == 0, result.stderr
    assert processes_marked(marker) == {}


# --- staying in sight ----------------------------------------------------------------------


def test_clone_untraced_is_refused_and_the_caller_stays_intercepted(
    runsc: Runsc, make_bundle: MakeBundle, static_program: StaticProgram
) -> None:
    result = run_program(runsc, make_bundle, static_program, "tracer_escape", "clone",
                         hostname="watched")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "clone(CLONE_UNTRACED): EPERM\nworkload uname: watched\n"


def test_ptrace_is_refused_and_the_caller_stays_intercepted(
    runsc: Runsc, make_bundle: MakeBundle, static_program: StaticProgram
) -> None:
    result = run_program(runsc, make_bundle, static_program, "tracer_escape", "ptrace",
                         hostname="watched")

    assert result.returncode == 0, result.stderr
    assert result.stdout == ("ptrace(PTRACE_TRACEME): EPERM\n"
                             "ptrace(PTRACE_ATTACH, parent): EPERM\n"
                             "ptrace(PTRACE_SEIZE, self): EPERM\n"
                             "workload uname: watched\n")


# --- signals -------------------------------------------------------------------------------


def test_a_stopped_child_does_not_run_until_sigcont(
    runsc: Runsc, make_bundle: MakeBundle, static_program: StaticProgram
) -> None:
    result = run_program(runsc, make_bundle, static_program, "stop_cont")

    assert result.returncode == 0, result.stderr
    assert result.stdout == ("stopped by SIGSTOP\ndid not run while stopped\ncontinued\n"
                             "runs again\nended by SIGTERM\n")


def test_a_signal_reaches_the_workloads_handler(runsc: Runsc, make_bundle: MakeBundle) -> None:
    bundle = make_bundle(["/bin/sh", "-c", 'trap "echo caught USR1" USR1; kill -USR1 $$; '
                          "echo after"])

    result = runsc("run", bundle.path)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "caught USR1\nafter\n"


def test_the_box_init_ignores_a_sigstop_it_sends_itself(runsc: Runsc, make_bundle: MakeBundle
                                                        ) -> None:
    bundle = make_bundle(["/bin/sh", "-c", "kill -STOP $$; echo after"])

    result = runsc("run", bundle.path)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "after\n"


# --- fds delivered into the caller ---------------------------------------------------------


def test_open_returns_the_lowest_free_fd_after_the_program_closed_all_others(
    runsc: Runsc, make_bundle: MakeBundle, static_program: StaticProgram
) -> None:
    result = run_program(runsc, make_bundle, static_program, "lowest_fd")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "/etc/passwd: fd 0 starts root\n/etc/group: fd 3 starts root\n"


def test_files_open_after_hundreds_of_processes_made_fd_couriers(
    runsc: Runsc, make_bundle: MakeBundle
) -> None:
    """Each new program gets its own fd courier on ptrace; the C loop knows the last 256,
    so the first shell's, made before 300 others, is told to it again."""
    script = ("read first < /etc/passwd; i=0; while [ $i -lt 300 ]; do "
              "sh -c 'cat /etc/group > /dev/null'; i=$((i+1)); done; "
              "read again < /etc/passwd; read group < /etc/group; "
              "echo \"$first|$again|${group%%:*}\"")
    result = runsc("run", make_bundle(["sh", "-c", script]).path)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "root:x:0:0:root:/root:/bin/sh|root:x:0:0:root:/root:/bin/sh|root\n"


def test_an_open_the_sentry_cannot_deliver_fails_and_is_never_run_by_the_kernel(
    runsc: Runsc, make_bundle: MakeBundle, static_program: StaticProgram
) -> None:
    """On ptrace the fd is handed over by a recvmsg whose msghdr goes below the caller's
    stack; with no memory there the open fails with EFAULT rather than being let through
    to the kernel, which would resolve the caller's path itself."""
    result = run_program(runsc, make_bundle, static_program, "low_stack_open")

    assert result.returncode == 0, result.stderr
    expected = "failed: 14\n" if runsc.platform == "ptrace" else "opened\n"
    assert result.stdout == expected


def test_a_profile_refusing_socket_fcntl_recvmsg_still_lets_files_open(
    runsc: Runsc, make_bundle: MakeBundle, static_program: StaticProgram
) -> None:
    """ptrace delivers fds with these calls in the workload; the profile lets only those by."""
    profile = {"defaultAction": "SCMP_ACT_ALLOW",
               "syscalls": [{"names": ["socket", "fcntl", "recvmsg"], "action": "SCMP_ACT_ERRNO",
                             "errnoRet": 1}]}

    result = run_program(runsc, make_bundle, static_program, "profile_probe",
                         linux={"seccomp": profile})

    assert result.returncode == 0, result.stderr
    assert result.stdout == "open: starts root\nopen: starts root\nsocket: EPERM\n"
