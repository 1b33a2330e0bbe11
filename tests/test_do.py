"""`runsc-py do -- CMD`: a host command in the sandbox, the host `/` read-only under a writable
in-memory layer, with the caller's cwd and environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Runsc

PYTHON_PROGRAM = """\
import json, sqlite3, subprocess
db = sqlite3.connect(":memory:")
db.execute("create table t (n integer)")
db.executemany("insert into t values (?)", [(n,) for n in range(100)])
total = db.execute("select sum(n) from t").fetchone()[0]
echoed = subprocess.run(["echo", "from a child"], capture_output=True, text=True).stdout
print(json.dumps({"total": total, "echoed": echoed}, sort_keys=True))
"""

PRINT_ERRNO_OF_WRITE = """\
import errno, sys
try:
    open(sys.argv[1], "w").close()
    print("written")
except OSError as e:
    print(errno.errorcode[e.errno])
"""


def interface_names(proc_net_dev: str) -> set[str]:
    """Interface names from the text of /proc/net/dev (two header lines, then `name: ...`)."""
    return {line.split(":", 1)[0].strip() for line in proc_net_dev.splitlines()[2:]}


@pytest.fixture
def host_tmp_file() -> Iterator[Path]:
    """A host path that does not exist yet, in a directory the box also sees (/tmp)."""
    path = Path("/tmp") / f"runsc-do-{uuid.uuid4().hex}"
    yield path
    path.unlink(missing_ok=True)


def test_python_program_prints_what_it_prints_natively(runsc: Runsc) -> None:
    native = subprocess.run(
        [sys.executable, "-c", PYTHON_PROGRAM], capture_output=True, text=True, check=True
    )

    result = runsc("do", "--", sys.executable, "-c", PYTHON_PROGRAM)

    assert result.returncode == 0, result.stderr
    assert result.stdout == native.stdout


def test_gcc_builds_and_runs_a_program(runsc: Runsc, tmp_path: Path) -> None:
    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed")
    (tmp_path / "hello.c").write_text(
        '#include <stdio.h>\nint main(void) { puts("hello from gcc"); return 0; }\n'
    )

    result = runsc("do", "--", "sh", "-c", "gcc hello.c -o /tmp/h && /tmp/h", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "hello from gcc\n"


def test_exit_status_is_the_commands(runsc: Runsc) -> None:
    result = runsc("do", "--", "sh", "-c", "exit 7")

    assert result.returncode == 7, result.stderr


def test_cwd_is_the_callers(runsc: Runsc, tmp_path: Path) -> None:
    result = runsc("do", "--", "pwd", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{tmp_path}\n"


def test_env_is_the_callers(runsc: Runsc) -> None:
    marker = uuid.uuid4().hex
    env = {**os.environ, "RUNSC_TEST_VALUE": marker}

    result = runsc("do", "--", "sh", "-c", 'echo "$RUNSC_TEST_VALUE"', env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{marker}\n"


# --- the writable in-memory layer ------------------------------------------------------------


def test_a_new_file_never_reaches_the_host(runsc: Runsc, host_tmp_file: Path) -> None:
    result = runsc("do", "--", "sh", "-c", f"echo inside > {host_tmp_file} && cat {host_tmp_file}")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "inside\n"
    assert not host_tmp_file.exists()


def test_overwriting_a_host_file_leaves_the_host_copy_alone(
    runsc: Runsc, host_tmp_file: Path
) -> None:
    host_tmp_file.write_text("original\n")

    result = runsc("do", "--", "sh", "-c", f"echo changed > {host_tmp_file} && cat {host_tmp_file}")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "changed\n"
    assert host_tmp_file.read_text() == "original\n"


def test_deleting_a_host_file_leaves_the_host_copy_alone(runsc: Runsc, host_tmp_file: Path) -> None:
    host_tmp_file.write_text("original\n")

    result = runsc("do", "--", "rm", str(host_tmp_file))

    assert result.returncode == 0, result.stderr
    assert host_tmp_file.read_text() == "original\n"


# --- volumes -------------------------------------------------------------------------------


def test_read_only_volume_is_readable(runsc: Runsc, tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_text("volume contents\n")

    result = runsc("do", "--volume", f"{tmp_path}:/srv/vol:ro", "--", "cat", "/srv/vol/data.txt")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "volume contents\n"


def test_write_to_a_read_only_volume_fails_with_erofs(runsc: Runsc, tmp_path: Path) -> None:
    result = runsc(
        "do",
        "--volume",
        f"{tmp_path}:/srv/vol:ro",
        "--",
        sys.executable,
        "-c",
        PRINT_ERRNO_OF_WRITE,
        "/srv/vol/new-file",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == "EROFS\n"
    assert not (tmp_path / "new-file").exists()


def test_write_to_a_read_write_volume_reaches_the_host(runsc: Runsc, tmp_path: Path) -> None:
    result = runsc(
        "do", "--volume", f"{tmp_path}:/srv/vol", "--", "sh", "-c", "echo shared > /srv/vol/f"
    )

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "f").read_text() == "shared\n"


# --- network -------------------------------------------------------------------------------


def test_network_none_has_only_loopback(runsc: Runsc) -> None:
    result = runsc("do", "--network", "none", "--", "cat", "/proc/net/dev")

    assert result.returncode == 0, result.stderr
    assert interface_names(result.stdout) == {"lo"}


def test_network_host_shows_the_hosts_interfaces(runsc: Runsc) -> None:
    host_interfaces = interface_names(Path("/proc/net/dev").read_text())

    result = runsc("do", "--network", "host", "--", "cat", "/proc/net/dev")

    assert result.returncode == 0, result.stderr
    assert interface_names(result.stdout) == host_interfaces
