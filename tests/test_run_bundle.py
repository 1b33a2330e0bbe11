"""`runsc-py run`: an OCI bundle (busybox rootfs) runs as it would under runc."""

from __future__ import annotations

import json
import re
import shutil
import uuid
from pathlib import Path

import pytest
from conftest import REPO, MakeBundle, Runsc, StaticProgram, minimal_config


def strace_lines(stderr: str, syscall: str) -> list[str]:
    """`--strace` lines for one syscall: `[pid N] name(args) = RESULT` or `name(args) = RESULT`."""
    pattern = re.compile(rf"(^|[\s\]]){re.escape(syscall)}\(.*=\s*\S+\s*$")
    return [line.rstrip() for line in stderr.splitlines() if pattern.search(line)]


# --- output, input and exit status ---------------------------------------------------------


def test_echo_prints_its_arguments(runsc: Runsc, make_bundle: MakeBundle) -> None:
    bundle = make_bundle(["/bin/echo", "hello", "world"])

    result = runsc("run", bundle.path)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "hello world\n"


def test_args0_is_found_on_the_config_path(runsc: Runsc, make_bundle: MakeBundle) -> None:
    bundle = make_bundle(["echo", "found"])

    result = runsc("run", bundle.path)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "found\n"


def test_shell_lists_the_rootfs_and_reads_etc_passwd(runsc: Runsc, make_bundle: MakeBundle) -> None:
    bundle = make_bundle(["/bin/sh", "-c", "ls /; cat /etc/passwd"])

    result = runsc("run", bundle.path)

    assert result.returncode == 0, result.stderr
    assert {"bin", "dev", "etc", "proc", "tmp"} <= set(result.stdout.split())
    assert "root:x:0:0:root:/root:/bin/sh\n" in result.stdout
    assert "nobody:x:65534:65534:" in result.stdout


def test_pipeline_passes_data_between_processes(runsc: Runsc, make_bundle: MakeBundle) -> None:
    bundle = make_bundle(
        ["/bin/sh", "-c", "echo one two three four | tr ' ' '\\n' | sort | head -n 3 | wc -l"]
    )

    result = runsc("run", bundle.path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "3"


def test_stdin_is_the_callers(runsc: Runsc, make_bundle: MakeBundle) -> None:
    bundle = make_bundle(["/bin/cat"])

    result = runsc("run", bundle.path, input="from the caller's stdin\n")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "from the caller's stdin\n"


def test_stderr_is_the_callers(runsc: Runsc, make_bundle: MakeBundle) -> None:
    bundle = make_bundle(["/bin/sh", "-c", "echo to-stderr >&2"])

    result = runsc("run", bundle.path)

    assert result.returncode == 0, result.stderr
    assert "to-stderr\n" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("status", [0, 1, 42])
def test_exit_status_is_the_workloads(runsc: Runsc, make_bundle: MakeBundle, status: int) -> None:
    bundle = make_bundle(["/bin/sh", "-c", f"exit {status}"])

    result = runsc("run", bundle.path)

    assert result.returncode == status, result.stderr


def test_child_killed_by_a_signal_reports_128_plus_the_signal(
    runsc: Runsc, make_bundle: MakeBundle
) -> None:
    bundle = make_bundle(["/bin/sh", "-c", "sleep 5 & kill -9 $!; wait $!; echo $?"])

    result = runsc("run", bundle.path)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "137\n"


def test_workload_dying_of_sigsegv_exits_139(
    runsc: Runsc, make_bundle: MakeBundle, static_program: StaticProgram
) -> None:
    bundle = make_bundle(["/bin/null_deref"])
    bundle.install(static_program("null_deref"))

    result = runsc("run", bundle.path)

    assert result.returncode == 128 + 11, result.stderr
    assert "survived" not in result.stdout


# --- processes and threads -----------------------------------------------------------------


def test_fork_exec_and_wait(
    runsc: Runsc, make_bundle: MakeBundle, static_program: StaticProgram
) -> None:
    bundle = make_bundle(["/bin/fork_exec_wait"])
    bundle.install(static_program("fork_exec_wait"))

    result = runsc("run", bundle.path)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "child\nchild exited with 0\n"


def test_pthreads_program_computes_the_right_sum(
    runsc: Runsc, make_bundle: MakeBundle, static_program: StaticProgram
) -> None:
    bundle = make_bundle(["/bin/pthread_sum"])
    bundle.install(static_program("pthread_sum"))

    result = runsc("run", bundle.path)

    n = 16 * 100_000  # 16 threads, 100000 numbers each: see tests/programs/pthread_sum.c
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{n * (n + 1) // 2}\n"


# --- what the config sets ------------------------------------------------------------------


def test_uname_shows_the_configs_hostname(runsc: Runsc, make_bundle: MakeBundle) -> None:
    bundle = make_bundle(["/bin/uname", "-n"], hostname="box-under-test")

    result = runsc("run", bundle.path)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "box-under-test\n"


def test_env_is_the_configs(runsc: Runsc, make_bundle: MakeBundle) -> None:
    bundle = make_bundle(
        ["/bin/sh", "-c", 'echo "$GREETING"'],
        process={"env": ["PATH=/bin:/usr/bin", "GREETING=hi from config"]},
    )

    result = runsc("run", bundle.path)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "hi from config\n"


def test_cwd_is_the_configs(runsc: Runsc, make_bundle: MakeBundle) -> None:
    bundle = make_bundle(["/bin/pwd"], process={"cwd": "/etc"})

    result = runsc("run", bundle.path)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "/etc\n"


def test_uid_and_gid_are_the_configs(runsc: Runsc, make_bundle: MakeBundle) -> None:
    bundle = make_bundle(
        ["/bin/sh", "-c", "id -u; id -g"], process={"user": {"uid": 65534, "gid": 65534}}
    )

    result = runsc("run", bundle.path)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "65534\n65534\n"


def test_additional_gids_are_the_configs(runsc: Runsc, make_bundle: MakeBundle) -> None:
    bundle = make_bundle(
        ["/bin/id", "-G"],
        process={"user": {"uid": 65534, "gid": 65534, "additionalGids": [0]}},
    )

    result = runsc("run", bundle.path)

    assert result.returncode == 0, result.stderr
    assert "0" in result.stdout.split()


def test_readonly_root_refuses_writes(runsc: Runsc, make_bundle: MakeBundle) -> None:
    bundle = make_bundle(["/bin/sh", "-c", "echo x > /etc/new-file"])

    result = runsc("run", bundle.path)

    assert result.returncode != 0
    assert "Read-only file system" in result.stderr
    assert not (bundle.rootfs / "etc" / "new-file").exists()


def test_tmpfs_mount_is_writable(runsc: Runsc, make_bundle: MakeBundle) -> None:
    bundle = make_bundle(
        ["/bin/sh", "-c", "echo written > /tmp/f && cat /tmp/f"],
        mounts=[
            *minimal_config([])["mounts"],
            {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"},
        ],
    )

    result = runsc("run", bundle.path)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "written\n"
    assert not (bundle.rootfs / "tmp" / "f").exists()


def test_dev_has_the_minimal_devices(runsc: Runsc, make_bundle: MakeBundle) -> None:
    bundle = make_bundle(
        [
            "/bin/sh",
            "-c",
            "echo x > /dev/null && head -c 8 /dev/zero | wc -c && "
            "head -c 8 /dev/urandom | wc -c && ls /dev",
        ]
    )

    result = runsc("run", bundle.path)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.split()
    assert lines[:2] == ["8", "8"]
    assert {"null", "zero", "full", "random", "urandom", "tty"} <= set(lines[2:])


def test_the_cgroup_namespace_is_rooted_at_the_boxs_own_cgroups(
    runsc: Runsc, make_bundle: MakeBundle
) -> None:
    namespaces = [{"type": t} for t in ("pid", "mount", "ipc", "uts", "network", "cgroup")]
    bundle = make_bundle(["/bin/cat", "/proc/self/cgroup"], linux={"namespaces": namespaces})

    result = runsc("run", bundle.path)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines, "no cgroup listed"
    assert all(line.endswith(":/") for line in lines), result.stdout


def test_without_a_pid_namespace_the_run_ends_with_its_first_process(
    runsc: Runsc, make_bundle: MakeBundle
) -> None:
    namespaces = [{"type": t} for t in ("mount", "ipc", "uts", "network")]
    bundle = make_bundle(["/bin/sh", "-c", "sleep 1000 & sleep 0.5; echo started"],
                         linux={"namespaces": namespaces})

    result = runsc("run", bundle.path, timeout=60)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "started\n"


def test_pids_limit_stops_forks(runsc: Runsc, make_bundle: MakeBundle) -> None:
    bundle = make_bundle(
        ["/bin/sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10; do sleep 30 & done; echo all-forked"],
        linux={"resources": {"pids": {"limit": 5}}},
    )

    result = runsc("run", bundle.path)

    assert "all-forked" not in result.stdout
    assert "can't fork" in result.stderr


def test_memory_limit_kills_a_process_that_exceeds_it(
    runsc: Runsc, make_bundle: MakeBundle
) -> None:
    bundle = make_bundle(
        ["/bin/sh", "-c", "dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; echo $?"],
        linux={"resources": {"memory": {"limit": 32 * 1024 * 1024}}},
    )

    result = runsc("run", bundle.path)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "137\n"
    assert "out of memory" in result.stderr


# --- --strace: what the sentry answers -----------------------------------------------------


def test_strace_shows_uname_answered_by_the_sentry(runsc: Runsc, make_bundle: MakeBundle) -> None:
    bundle = make_bundle(["/bin/uname", "-n"], hostname="traced")

    result = runsc("--strace", "run", bundle.path)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "traced\n"
    assert [line for line in strace_lines(result.stderr, "uname") if line.endswith("= 0")]


def test_strace_shows_an_identity_call_answered_by_the_sentry(
    runsc: Runsc, make_bundle: MakeBundle
) -> None:
    bundle = make_bundle(["/bin/id", "-u"])

    result = runsc("--strace", "run", bundle.path)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "0\n"
    identity_lines = [
        line
        for call in ("getuid", "geteuid", "getresuid")
        for line in strace_lines(result.stderr, call)
    ]
    assert identity_lines, result.stderr


def test_strace_writes_nothing_to_stdout(runsc: Runsc, make_bundle: MakeBundle) -> None:
    bundle = make_bundle(["/bin/uname", "-n"], hostname="quiet")

    result = runsc("--strace", "run", bundle.path)

    assert result.stdout == "quiet\n"


# --- command-line forms ----------------------------------------------------------------------


def test_runc_form_with_bundle_flag_and_container_id(runsc: Runsc, make_bundle: MakeBundle) -> None:
    bundle = make_bundle(["/bin/echo", "runc form"])

    result = runsc("run", "--bundle", bundle.path, f"test-{uuid.uuid4().hex[:12]}")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "runc form\n"


def test_spec_writes_a_default_config_into_the_bundle_dir(runsc: Runsc, tmp_path: Path) -> None:
    result = runsc("spec", "--bundle", tmp_path)

    assert result.returncode == 0, result.stderr
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["process"]["args"] == ["sh"]
    assert config["root"] == {"path": "rootfs", "readonly": True}


def test_spec_writes_into_the_current_directory_by_default(runsc: Runsc, tmp_path: Path) -> None:
    result = runsc("spec", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "config.json").read_text())["process"]["args"] == ["sh"]


def test_hello_example_runs(runsc: Runsc, busybox_rootfs: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "hello"
    bundle.mkdir()
    shutil.copy(REPO / "examples" / "hello" / "config.json", bundle / "config.json")
    shutil.copytree(busybox_rootfs, bundle / "rootfs", symlinks=True)

    result = runsc("run", bundle)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Hello from runsc-py\n")
    assert " hello " in result.stdout  # uname -a shows the example's hostname
