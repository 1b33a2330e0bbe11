"""Every path the workload names is resolved by the gofer inside the box's root: nothing
leads out, read-only and masked paths hold, the overlay keeps the rootfs unchanged, and a
dead gofer means EIO and a clean end (issue 3)."""

from __future__ import annotations

import hashlib
import os
import signal
import tarfile
import time
import uuid
from pathlib import Path
from typing import Any

import psutil
import pytest
from conftest import MakeBundle, Runsc, StaticProgram, minimal_config

TMPFS_TMP = {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["mode=1777"]}


@pytest.fixture
def host_secret(tmp_path: Path) -> Path:
    """A host file the box must never read: its path exists on the host only."""
    secret_dir = Path("/tmp") / f"runsc-host-secret-{uuid.uuid4().hex}"
    secret_dir.mkdir()
    (secret_dir / "secret").write_text("HOST SECRET\n")
    yield secret_dir / "secret"
    (secret_dir / "secret").unlink()
    secret_dir.rmdir()


def with_tmp(args: list[str]) -> dict[str, Any]:
    return {"mounts": minimal_config(args)["mounts"] + [TMPFS_TMP]}


def test_absolute_symlink_to_a_host_path_stays_in_the_box(
    runsc: Runsc, make_bundle: MakeBundle, host_secret: Path
) -> None:
    script = f"ln -s {host_secret} /tmp/link && cat /tmp/link; echo status=$?"
    bundle = make_bundle(["sh", "-c", script], **with_tmp([]))
    result = runsc("run", bundle.path)
    assert "HOST SECRET" not in result.stdout
    assert "status=1" in result.stdout


def test_dotdot_chains_stop_at_the_box_root(
    runsc: Runsc, make_bundle: MakeBundle, host_secret: Path
) -> None:
    escape = "../" * 20 + str(host_secret).lstrip("/")
    bundle = make_bundle(["sh", "-c", f"cd /etc && cat {escape}; ls ../../../../; echo end"])
    result = runsc("run", bundle.path)
    assert "HOST SECRET" not in result.stdout
    assert "bin" in result.stdout.split()  # ../../.. from /etc lists the box's own root
    assert result.stdout.endswith("end\n")


def test_proc_self_root_is_not_a_way_out(
    runsc: Runsc, make_bundle: MakeBundle, host_secret: Path
) -> None:
    script = f"cat /proc/self/root/../../..{host_secret}; cat /proc/1/root{host_secret}; echo end"
    result = runsc("run", make_bundle(["sh", "-c", script]).path)
    assert "HOST SECRET" not in result.stdout
    assert result.stdout == "end\n"


def test_symlink_swapped_for_a_directory_during_opens_never_leads_out(
    runsc: Runsc, make_bundle: MakeBundle, static_program: StaticProgram, host_secret: Path
) -> None:
    bundle = make_bundle(["/bin/symlink_swap_race", str(host_secret.parent)], **with_tmp([]))
    bundle.install(static_program("symlink_swap_race"))
    bundle.config["process"]["cwd"] = "/tmp"
    bundle.write_config()
    result = runsc("run", bundle.path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("escaped=0 ")
    assert "boxed=0" not in result.stdout  # the race did run through the directory


def test_path_buffer_flipped_during_open_never_reads_the_host(
    runsc: Runsc, make_bundle: MakeBundle, static_program: StaticProgram, host_secret: Path
) -> None:
    bundle = make_bundle(["/bin/path_flip_race", str(host_secret)], **with_tmp([]))
    bundle.install(static_program("path_flip_race"))
    result = runsc("run", bundle.path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("escaped=0 ")
    assert "boxed=0" not in result.stdout


def test_read_only_root_gives_erofs(runsc: Runsc, make_bundle: MakeBundle) -> None:
    result = runsc("run", make_bundle(["sh", "-c", "mkdir /newdir; touch /etc/x"]).path)
    assert result.stderr.count("Read-only file system") == 2


def test_masked_file_reads_empty_and_masked_dir_lists_nothing(
    runsc: Runsc, make_bundle: MakeBundle
) -> None:
    bundle = make_bundle(
        ["sh", "-c", "wc -c < /proc/timer_list; ls /etc | wc -l"],
        linux={"maskedPaths": ["/proc/timer_list", "/etc"]},
    )
    result = runsc("run", bundle.path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "0"]


def test_readonly_path_refuses_writes(runsc: Runsc, make_bundle: MakeBundle) -> None:
    bundle = make_bundle(
        ["sh", "-c", "echo 1 > /proc/sys/kernel/ns_last_pid"],
        linux={"readonlyPaths": ["/proc/sys"]},
    )
    result = runsc("run", bundle.path)
    assert result.returncode != 0
    assert "Read-only file system" in result.stderr


def tree_digest(root: Path) -> str:
    """Names, types, modes, link targets and contents of every entry under `root`."""
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            path = Path(dirpath) / name
            st = path.lstat()
            digest.update(f"{path.relative_to(root)}\0{st.st_mode:o}\0".encode())
            if path.is_symlink():
                digest.update(os.readlink(path).encode())
            elif path.is_file():
                digest.update(path.read_bytes())
    return digest.hexdigest()


def test_overlay_keeps_the_rootfs_byte_for_byte_unchanged(
    runsc: Runsc, make_bundle: MakeBundle
) -> None:
    script = ("echo new > /etc/new && mv /etc/passwd /etc/passwd.moved && rm /bin/ls "
              "&& mkdir -p /a/b && echo more >> /etc/group && cat /etc/new")
    bundle = make_bundle(["sh", "-c", script], root={"readonly": False})
    before = tree_digest(bundle.rootfs)
    result = runsc("run", "--overlay", "memory", bundle.path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "new\n"
    assert tree_digest(bundle.rootfs) == before


def gofer_of(sentry: psutil.Process) -> psutil.Process:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for child in sentry.children():
            if child.name() == "runsc-gofer":
                return child
        time.sleep(0.05)
    raise AssertionError("no gofer process found")


def test_killing_the_gofer_gives_eio_in_the_workload_and_a_clean_end(
    runsc: Runsc, make_bundle: MakeBundle
) -> None:
    script = "touch /dev/ready; while cat /etc/passwd > /dev/null; do :; done; echo loop ended"
    bundle = make_bundle(["sh", "-c", script])
    proc = runsc.popen("run", bundle.path)
    sentry = psutil.Process(proc.pid)
    gofer = gofer_of(sentry)
    time.sleep(0.5)  # let the loop reach the gofer a few times
    gofer.send_signal(signal.SIGKILL)
    stdout, stderr = proc.communicate(timeout=120)
    assert "Input/output error" in stderr
    assert "gofer died" in stderr
    assert "loop ended" in stdout
    assert not runsc.state_root.exists() or not list(runsc.state_root.iterdir())


def test_killing_the_gofer_ends_a_box_that_makes_no_calls(
    runsc: Runsc, make_bundle: MakeBundle
) -> None:
    bundle = make_bundle(["sh", "-c", "echo started; exec sleep 1000"])
    proc = runsc.popen("run", bundle.path)
    gofer = gofer_of(psutil.Process(proc.pid))
    assert proc.stdout is not None and proc.stdout.readline() == "started\n"
    time.sleep(0.3)  # into the sleep, where the box makes no call the sentry sees
    gofer.send_signal(signal.SIGKILL)
    _, stderr = proc.communicate(timeout=60)
    assert "gofer died" in stderr
    assert proc.returncode != 0


def test_tar_extracts_inside_the_box_as_natively(runsc: Runsc, tmp_path: Path) -> None:
    source = tmp_path / "src"
    for i in range(50):
        (source / f"d{i % 5}").mkdir(parents=True, exist_ok=True)
        (source / f"d{i % 5}" / f"f{i}.txt").write_text(f"file {i}\n" * (i + 1))
    archive = tmp_path / "files.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(source, arcname="src")
    script = (f"mkdir -p /tmp/x && cd /tmp/x && tar xf {archive} && "
              "find src -type f | sort | xargs cat | sha256sum")
    result = runsc("do", "--", "sh", "-c", script)
    native = hashlib.sha256(b"".join(
        p.read_bytes() for p in sorted(source.rglob("*.txt"), key=lambda p: str(
            p.relative_to(source))))).hexdigest()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == native


def test_device_nodes_are_refused_but_fifos_are_made(runsc: Runsc) -> None:
    script = "mknod /tmp/null-$$ c 1 3; echo dev=$?; mkfifo /tmp/fifo-$$ && echo fifo=ok"
    result = runsc("do", "--", "sh", "-c", script)
    assert "dev=1" in result.stdout
    assert "fifo=ok" in result.stdout
    assert "Operation not permitted" in result.stderr


def test_unix_socket_paths_bind_and_connect_through_the_gofer(runsc: Runsc) -> None:
    program = (
        "import socket, os\n"
        "server = socket.socket(socket.AF_UNIX)\n"
        "server.bind('/tmp/runsc-test.sock'); server.listen(1)\n"
        "client = socket.socket(socket.AF_UNIX); client.connect('/tmp/runsc-test.sock')\n"
        "conn, _ = server.accept(); client.sendall(b'ping'); print(conn.recv(4).decode())\n"
        "print(os.path.exists('/tmp/runsc-test.sock'))\n"
    )
    result = runsc("do", "--", "python3", "-c", program)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ping\nTrue\n"
    assert not Path("/tmp/runsc-test.sock").exists()


def test_own_proc_links_read_as_the_box_sees_them(runsc: Runsc, make_bundle: MakeBundle) -> None:
    script = "cd /etc && readlink /proc/self/exe && readlink /proc/$$/cwd"
    result = runsc("run", make_bundle(["sh", "-c", script]).path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["/bin/busybox", "/etc"]


def lines_with_proc_and_tmp(runsc: Runsc, make_bundle: MakeBundle, script: str) -> list[str]:
    """The output lines of `sh -c script` in a box with a /proc and a tmpfs /tmp."""
    bundle = make_bundle(["sh", "-c", script], mounts=[
        {"destination": "/proc", "type": "proc", "source": "proc"}, TMPFS_TMP])
    result = runsc("run", bundle.path)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_opening_ones_own_fd_by_name_reopens_that_file(
    runsc: Runsc, make_bundle: MakeBundle
) -> None:
    """/dev/fd/N, /proc/self/fd/N, /proc/PID/task/TID/fd/N and /dev/stdin name the caller's
    own fds: magic links the gofer refuses, so the sentry reopens the caller's file."""
    script = (
        "echo hello > /tmp/f; exec 3</tmp/f; cat /dev/fd/3; cat /proc/self/fd/3; "
        "read line < /proc/$$/task/$$/fd/3; echo \"$line\"; echo data | cat /dev/stdin"
    )
    assert lines_with_proc_and_tmp(runsc, make_bundle, script) == [
        "hello", "hello", "hello", "data"]


def test_symlinks_into_proc_self_lead_to_the_callers_own_entries(
    runsc: Runsc, make_bundle: MakeBundle
) -> None:
    """/etc/mtab -> /proc/mounts -> self/mounts, as on Debian: the gofer is outside the
    box's pids, where "self" names nothing, so the link is followed for the caller."""
    script = (
        "ln -s /proc/mounts /tmp/mtab; ln -s ../proc/self /tmp/me; "
        "ln -s /proc/thread-self /tmp/thread; ln -s /proc/self/nowhere /tmp/gone; "
        "grep -c ' /tmp tmpfs ' /tmp/mtab; stat -L -c %F /tmp/mtab; "
        "test -d /tmp/me && echo dir; cat /tmp/me/comm; cut -d' ' -f2 /tmp/thread/stat; "
        "cat /tmp/gone 2>&1 || echo gone"
    )
    assert lines_with_proc_and_tmp(runsc, make_bundle, script) == [
        "1", "regular empty file", "dir", "cat", "(cut)",
        "cat: can't open '/tmp/gone': No such file or directory", "gone"]
