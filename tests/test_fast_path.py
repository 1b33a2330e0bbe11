"""The C fast path answers the table's fast_path calls exactly as the Python handlers do.

`--strace` turns the fast path off (every call must reach Python to be printed), so the
same workload run with and without it compares the two implementations."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import MakeBundle, Runsc, StaticProgram

from sentry.platform.fastpath import C_HANDLERS
from syscall_tables import load_table
from syscall_tables.model import Disposition

PROBE = (
    "id; uname -a; stat -c '%s %a %u %F' /etc/passwd /bin /bin/sh; readlink /bin/sh; "
    "stat /missing; readlink /etc/passwd; test -r /etc/passwd && echo readable; "
    "test -x /etc/passwd || echo not-executable; cat /etc/passwd | wc -l; "
    "cd /etc && stat -c %s passwd ../etc/group; cat /proc/self/status | grep -c Uid; "
    "stat -c '%F %a' /; /bin/missing-command 2>&1; cd /missing-dir 2>&1; cd /etc/passwd 2>&1; "
    "/etc/passwd 2>&1; cd /bin && pwd; cat /missing-file 2>&1; cat /etc/passwd/x 2>&1"
)


def test_every_fast_path_entry_has_a_c_handler_and_is_answered_by_the_sentry():
    fast = {e.name: e for e in load_table("x86_64").entries if e.fast_path}
    assert set(fast) == set(C_HANDLERS)
    assert all(e.disposition in (Disposition.EMULATE, Disposition.GOFER) for e in fast.values())


def test_fast_path_answers_as_the_python_handlers_do(runsc: Runsc, make_bundle: MakeBundle):
    bundle = make_bundle(["sh", "-c", PROBE], hostname="fast")
    fast = runsc("run", bundle.path)
    python = runsc("--strace", "run", bundle.path)
    assert fast.returncode == python.returncode
    assert fast.stdout == python.stdout
    assert "readable" in fast.stdout and "fast" in fast.stdout


def test_opened_fds_are_numbered_and_flagged_as_natively(
    runsc: Runsc, make_bundle: MakeBundle, static_program: StaticProgram
):
    """The lowest free number, the file asked for, close-on-exec only with O_CLOEXEC: in a
    process, a child, a thread, and a process whose fd 1000 is its own (on ptrace the C
    loop delivers every open but the first of each process through the courier)."""
    program = static_program("opened_fds")
    native = subprocess.run([str(program)], capture_output=True, text=True, check=True)
    bundle = make_bundle(["/bin/opened_fds"])
    bundle.install(program)

    fast = runsc("run", bundle.path)

    assert fast.returncode == 0, fast.stderr
    assert fast.stdout == native.stdout
    assert "child: /etc/group: fd 12 starts root cloexec\n" in fast.stdout
    assert "own fd 1000: still its pipe: yes\n" in fast.stdout


def test_identity_and_credential_calls_answer_as_the_python_handlers_do(
    runsc: Runsc, make_bundle: MakeBundle, static_program: StaticProgram
):
    """Both C loops (seccomp's, and ptrace's wait loop): every identity call and its error
    cases, uname, and credentials changed by set*id/setgroups/umask in one thread, another
    thread and a child, each seen at once by the next identity call."""
    bundle = make_bundle(["/bin/identity_calls"], hostname="fast")
    bundle.install(static_program("identity_calls"))
    fast = runsc("run", bundle.path)
    python = runsc("--strace", "run", bundle.path)
    assert fast.returncode == python.returncode == 0, fast.stderr
    assert fast.stdout == python.stdout
    assert "-- child\ngetuid = 1001\n" in fast.stdout
    assert "uname(bad) = -1 Bad address" in fast.stdout
    assert "setgroups(300 groups) = -1 Invalid argument" in fast.stdout


def test_calls_answered_in_c_are_counted_in_the_coverage_record(
    runsc: Runsc, make_bundle: MakeBundle, tmp_path: Path
):
    record_path = tmp_path / "coverage.json"
    bundle = make_bundle(["sh", "-c", "id -u; stat /etc/passwd > /dev/null"])
    result = runsc("run", "--coverage-out", str(record_path), bundle.path)
    assert result.returncode == 0, result.stderr
    counts = {c["name"]: c["count"] for c in json.loads(record_path.read_text())["syscalls"]}
    assert counts["getuid"] >= 1
    assert counts["newfstatat"] + counts.get("statx", 0) >= 1


def test_calls_continued_in_c_are_recorded_as_checked_then_continued(
    runsc: Runsc, make_bundle: MakeBundle, tmp_path: Path
):
    """As Python records them: the same record with the fast path off (--strace)."""
    bundle = make_bundle(["sh", "-c", "cd /etc && umask 022 && cd /missing"])
    records = []
    for flags in ([], ["--strace"]):
        record_path = tmp_path / f"coverage{len(records)}.json"
        runsc(*flags, "run", "--coverage-out", str(record_path), bundle.path)
        calls = json.loads(record_path.read_text())["syscalls"]
        records.append({c["name"]: (c["handled"], c["errors"]) for c in calls
                        if c["name"] in ("chdir", "umask")})
    assert records[0] == records[1]
    handled, errors = records[0]["chdir"]
    assert set(handled) == {"checked-continued", "emulated"} and errors == {"ENOENT": 1}
    assert set(records[0]["umask"][0]) == {"checked-continued"}


def test_remembered_failed_lookups_never_hide_names_the_box_creates(
    runsc: Runsc, make_bundle: MakeBundle
):
    script = (
        "for i in 1 2 3; do test -e /tmp/f || echo missing; done; "
        "echo x > /tmp/f; test -e /tmp/f && echo created; "
        "readlink /tmp/l || echo no-link; ln -s /etc/passwd /tmp/l; readlink /tmp/l; "
        "mv /tmp/f /tmp/g; test -e /tmp/f || echo moved; test -e /tmp/g && echo arrived; "
        "test -d /tmp/d || echo no-dir; mkdir /tmp/d; test -d /tmp/d && echo made-dir; "
        "rm /tmp/g; test -e /tmp/g || echo removed"
    )
    bundle = make_bundle(["sh", "-c", script], mounts=[
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"},
    ])
    result = runsc("run", bundle.path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "missing", "missing", "missing", "created", "no-link", "/etc/passwd", "moved",
        "arrived", "no-dir", "made-dir", "removed"]


def lines_in_a_tmpfs(runsc: Runsc, make_bundle: MakeBundle, static_program: StaticProgram,
                     program: str) -> list[str]:
    """The output of tests/programs/PROGRAM run on a tmpfs at /tmp, checked to be the
    same when every call is answered by Python (--strace: nothing remembered)."""
    bundle = make_bundle([f"/bin/{program}", "/tmp"], mounts=[
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"},
    ])
    bundle.install(static_program(program))
    result = runsc("run", bundle.path)
    assert result.returncode == 0, result.stderr
    python = runsc("--strace", "run", bundle.path)
    assert python.stdout == result.stdout, python.stderr
    return result.stdout.splitlines()


def test_remembered_lookups_follow_writes_links_and_attribute_changes(
    runsc: Runsc, make_bundle: MakeBundle, static_program: StaticProgram
):
    lines = lines_in_a_tmpfs(runsc, make_bundle, static_program, "remembered_stats")
    assert lines == [
        "size before writing: 0", "size again: 0", "size after a write: 3",
        "size after another write: 5", "size by the second name: 5",
        "size by the second name after a write: 6", "mode: 644", "mode after fchmod: 600",
        "executable: yes", "executable after fchmod: Permission denied", "owner: 0",
        "owner after fchown: 1234", "ctime moved by fsetxattr: yes", "mtime is today's: yes",
        "mtime after futimens: 1000000000", "links of d: 2",
        "links of d after mkdir: 3"]


def test_removed_names_are_not_answered_from_memory(
    runsc: Runsc, make_bundle: MakeBundle, static_program: StaticProgram
):
    """An unlink of a file forgets only what it can undo (csrc/answers.c); this checks
    that all of that is forgotten: the name, paths through it, other names' link counts,
    its directory, and, for a symlink or a directory, paths through those."""
    lines = lines_in_a_tmpfs(runsc, make_bundle, static_program, "removed_names")
    assert lines == [
        "f: stat ok, readlink EINVAL, access ok, f/x ENOTDIR, links of g 2",
        "f: stat ok, readlink EINVAL, access ok, f/x ENOTDIR, links of g 2",
        "f removed: stat ENOENT, readlink ENOENT, access ENOENT, f/x ENOENT, links of g 1",
        "directory changed: yes",
        "m: readlink target, stat ok; l/y: stat ok",
        "m: readlink target, stat ok; l/y: stat ok",
        "target and l removed: m: readlink target, stat ENOENT; l/y: stat ENOENT",
        "e: stat ok, chdir ok",
        "e: stat ok, chdir ok",
        "e removed: stat ENOENT, chdir ENOENT"]


def test_lookups_under_proc_follow_processes_that_come_and_go(
    runsc: Runsc, make_bundle: MakeBundle
):
    """/proc changes without any call the sentry sees: nothing under it is remembered."""
    script = ("test -e /proc/2 || echo not-yet; sleep 0.3 & p=$!; echo pid-$p; "
              "test -e /proc/$p && echo alive; wait; "
              "test -e /proc/$p || echo gone; test -e /proc/$p/status || echo no-status")
    bundle = make_bundle(["sh", "-c", script])
    result = runsc("run", bundle.path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["not-yet", "pid-2", "alive", "gone", "no-status"]


def test_lookups_in_a_bind_mount_see_what_the_host_changes(
    runsc: Runsc, make_bundle: MakeBundle, tmp_path: Path
):
    """The host may change a bind-mounted directory at any time: nothing there is
    remembered, so the box sees a file the host made after the box looked for it."""
    volume = tmp_path / "volume"
    volume.mkdir()
    script = ("test -e /vol/made || echo missing; "
              "while ! test -e /vol/go; do sleep 0.05; done; test -e /vol/made && echo seen")
    bundle = make_bundle(["sh", "-c", script], mounts=[
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/vol", "type": "bind", "source": str(volume),
         "options": ["rbind", "rw"]},
    ])
    proc = runsc.popen("run", bundle.path)
    assert proc.stdout is not None
    assert proc.stdout.readline() == "missing\n"
    (volume / "made").write_text("x")
    (volume / "go").write_text("x")
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    assert stdout == "seen\n"



def answered_alike_in_c_and_python(runsc: Runsc, make_bundle: MakeBundle, script: str
                                   ) -> list[str]:
    """The lines `script` prints in a box with a tmpfs /tmp, which must be the same with the
    fast path and without it (--strace: every call answered by Python)."""
    bundle = make_bundle(["sh", "-c", script], mounts=[
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"},
    ])
    fast = runsc("run", bundle.path)
    python = runsc("--strace", "run", bundle.path)
    assert fast.returncode == python.returncode == 0, fast.stderr
    assert fast.stdout == python.stdout
    return fast.stdout.splitlines()


def test_a_walked_directory_is_answered_as_its_entries_are(runsc: Runsc, make_bundle: MakeBundle):
    """Lookups of one directory's entries, one after another, make the sentry list it
    with the gofer and remember every entry: each lstat, stat and readlink answers as
    Python's single lookups do, and what the box changes afterwards is seen at once."""
    walk = ("for f in /tmp/w/*; do stat -c '%n %s %a %F %h' \"$f\"; "
            "stat -L -c '%n %s %F' \"$f\" 2>&1; readlink \"$f\" || echo \"$f: no link\"; done")
    script = (
        "mkdir -p /tmp/w/sub; echo one > /tmp/w/a; echo three > /tmp/w/b; chmod 600 /tmp/w/b; "
        "ln -s a /tmp/w/rel; ln -s /etc/passwd /tmp/w/abs; ln -s /nowhere /tmp/w/dangling; "
        f"{walk}; echo more >> /tmp/w/a; stat -c '%n %s' /tmp/w/a; "
        "echo new > /tmp/w/c; stat -c '%n %s' /tmp/w/c; ln -sf b /tmp/w/rel; readlink /tmp/w/rel"
    )
    lines = answered_alike_in_c_and_python(runsc, make_bundle, script)
    assert "/tmp/w/b 6 600 regular file 1" in lines
    assert "/tmp/w/sub 40 755 directory 2" in lines
    assert "/tmp/w/rel 1 777 symbolic link 1" in lines and "/tmp/w/rel 4 regular file" in lines
    assert "/tmp/w/dangling: no link" not in lines and "/nowhere" in lines
    assert "/tmp/w/a: no link" in lines
    assert lines[-3:] == ["/tmp/w/a 9", "/tmp/w/c 4", "b"]


def test_remembered_failures_are_forgotten_when_a_create_makes_their_name(
    runsc: Runsc, make_bundle: MakeBundle
):
    """A create forgets only what it can change: failures in its directory (found through
    a symlinked directory too), a failure whose directory was missing, a name made through
    a dangling symlink, and the stat of the directory it grew."""
    script = (
        "mkdir -p /tmp/a /tmp/b /tmp/c; ln -s /tmp/a /tmp/via; ln -s /tmp/c/target /tmp/dangling; "
        "for i in 1 2; do test -e /tmp/via/x || echo no-x; test -e /tmp/c/target || echo no-t;"
        " stat /tmp/f/g 2>&1; cat /tmp/b/y 2>&1; done; stat -c 'a %s' /tmp/a; "
        "echo > /tmp/b/other; test -e /tmp/via/x || echo still-no-x; "
        "echo > /tmp/a/x; test -e /tmp/via/x && echo made-x; stat -c 'a %s' /tmp/a; "
        "echo > /tmp/dangling; test -e /tmp/c/target && echo made-target; "
        "echo > /tmp/f; stat /tmp/f/g 2>&1; echo y > /tmp/b/y; cat /tmp/b/y"
    )
    lines = answered_alike_in_c_and_python(runsc, make_bundle, script)
    assert lines.count("no-x") == 2 and lines.count("no-t") == 2
    assert "still-no-x" in lines and "made-x" in lines and "made-target" in lines
    sizes = [line for line in lines if line.startswith("a ")]
    assert len(sizes) == 2 and sizes[0] != sizes[1]
    assert lines[-2:] == ["stat: can't stat '/tmp/f/g': Not a directory", "y"]


def test_an_answer_remembered_for_one_caller_never_reaches_another(
    runsc: Runsc, make_bundle: MakeBundle, static_program: StaticProgram
):
    """Root finds a file in a directory only root may search, and its answers are
    remembered; the same process, now uid 1000, is refused as the kernel would refuse it."""
    bundle = make_bundle(["/bin/remembered_per_caller", "/private/answer.txt"])
    bundle.install(static_program("remembered_per_caller"))
    private = bundle.rootfs / "private"
    private.mkdir(mode=0o700)
    (private / "answer.txt").write_text("42\n")
    private.chmod(0o700)

    result = runsc("run", bundle.path)

    assert result.returncode == 0, result.stderr
    as_root = ["stat: found", "access: allowed", "readlink: Invalid argument"]
    refused = ["stat: Permission denied", "access: Permission denied",
               "readlink: Permission denied"]
    assert result.stdout.splitlines() == (
        [f"root {line}" for line in as_root] * 2 + [f"uid 1000 {line}" for line in refused] * 2)


@pytest.mark.parametrize("execing", ["leader", "thread"])
def test_an_exec_that_changes_identity_is_seen_at_once(
    runsc: Runsc, make_bundle: MakeBundle, static_program: StaticProgram, execing: str
):
    """A setuid exec, by the leader or by another thread (whose new image then runs under
    the leader's id): what the sentry knew of the caller before is not used again."""
    bundle = make_bundle(["/bin/exec_setuid", execing, "/bin/exec_setuid_root"],
                         process={"user": {"uid": 1000, "gid": 1000}})
    bundle.install(static_program("exec_setuid"))
    setuid_copy = bundle.rootfs / bundle.install(static_program("exec_setuid"),
                                                 "/bin/exec_setuid_root").lstrip("/")
    setuid_copy.chmod(0o4755)
    result = runsc("run", bundle.path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["before exec: uid 1000 euid 1000",
                                          "after exec: uid 1000 euid 0"]


def test_a_failure_remembered_in_an_overlay_directory_outlives_its_inode_being_rebuilt(
    runsc: Runsc, tmp_path: Path
):
    """overlayfs numbers a directory's inode anew when the kernel evicts and rebuilds it,
    which dropping the host's caches does. The gofer keeps the overlay directories it names
    open, so a create there still reaches the failure remembered before. `do` shows the
    host's / through an overlay; the box waits on a FIFO in a volume (never remembered)."""
    lower = tmp_path / "lower"
    lower.mkdir()
    volume = tmp_path / "volume"
    volume.mkdir()
    os.mkfifo(volume / "go")
    script = (f"for i in 1 2 3; do test -e {lower}/zz || echo missing; done; "
              f"read line < /vol/go; echo x > {lower}/zz; test -e {lower}/zz && echo found")
    proc = runsc.popen("do", "--volume", f"{volume}:/vol", "--", "sh", "-c", script)
    assert proc.stdout is not None
    assert [proc.stdout.readline() for _ in range(3)] == ["missing\n"] * 3
    Path("/proc/sys/vm/drop_caches").write_text("2")
    (volume / "go").write_text("go\n")
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    assert stdout == "found\n"
