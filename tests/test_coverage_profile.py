"""Learned profiles: `coverage profile` writes the OCI linux.seccomp a run teaches, and
`run` honours linux.seccomp as a filter layered under the table's."""

from __future__ import annotations

import errno
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import MakeBundle, Runsc, StaticProgram

from sentry.oci.config import ConfigError, parse_config
from sentry.oci.seccomp import ArgCondition, parse_seccomp
from sentry.seccomp_profile import condition_sets, refused_names
from syscall_tables import load_table

RUNSC_PY = Path(__file__).resolve().parent.parent / "runsc.py"
LEARNED = ["/bin/cat", "/etc/passwd"]
NEEDS_MORE = ["/bin/ls", "-l", "/"]  # getdents64, newfstatat, write...: cat uses none of them


def learn(runsc: Runsc, make_bundle: MakeBundle, tmp_path: Path, args: list[str],
          mode: str = "full") -> tuple[subprocess.CompletedProcess[str], Path]:
    """Runs `args` with a coverage record; returns the run and the record's path."""
    record = tmp_path / f"coverage-{mode}.json"
    result = runsc("run", f"--coverage={mode}", "--coverage-out", record,
                   make_bundle(args).path)
    assert result.returncode == 0, result.stderr
    return result, record


def profile_cli(record: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(RUNSC_PY), "coverage", "profile", str(record)],
                          capture_output=True, text=True)


def learned_profile(runsc: Runsc, make_bundle: MakeBundle, tmp_path: Path
                    ) -> tuple[str, dict[str, Any]]:
    learning, record = learn(runsc, make_bundle, tmp_path, LEARNED)
    result = profile_cli(record)
    assert result.returncode == 0, result.stderr
    return learning.stdout, json.loads(result.stdout)


def test_learned_profile_is_a_valid_oci_profile_of_exactly_the_calls_made(
        runsc: Runsc, make_bundle: MakeBundle, tmp_path: Path) -> None:
    _, record = learn(runsc, make_bundle, tmp_path, LEARNED)
    profile = json.loads(profile_cli(record).stdout)

    parsed = parse_seccomp(profile)
    assert parsed is not None
    assert parsed.default_action == "SCMP_ACT_ERRNO"
    assert parsed.architectures == ("SCMP_ARCH_X86_64",)
    assert [rule.action for rule in parsed.syscalls] == ["SCMP_ACT_ALLOW"]
    made = {call["name"] for call in json.loads(record.read_text())["syscalls"]}
    assert set(parsed.syscalls[0].names) == made
    assert made <= set(load_table("x86_64").by_name)


def test_learned_profile_lets_the_same_program_run(
        runsc: Runsc, make_bundle: MakeBundle, tmp_path: Path) -> None:
    expected, profile = learned_profile(runsc, make_bundle, tmp_path)
    result = runsc("run", make_bundle(LEARNED, linux={"seccomp": profile}).path)

    assert result.returncode == 0, result.stderr
    assert result.stdout == expected


def test_learned_profile_refuses_a_program_that_needs_more_calls(
        runsc: Runsc, make_bundle: MakeBundle, tmp_path: Path) -> None:
    _, profile = learned_profile(runsc, make_bundle, tmp_path)
    unconfined = runsc("run", make_bundle(NEEDS_MORE).path)
    confined = runsc("run", make_bundle(NEEDS_MORE, linux={"seccomp": profile}).path)

    assert unconfined.returncode == 0 and "etc" in unconfined.stdout, unconfined.stderr
    assert confined.returncode != 0
    assert "etc" not in confined.stdout


def test_profile_from_a_record_without_full_coverage_is_refused(
        runsc: Runsc, make_bundle: MakeBundle, tmp_path: Path) -> None:
    _, record = learn(runsc, make_bundle, tmp_path, LEARNED, mode="intercepted")
    result = profile_cli(record)

    assert result.returncode == 1
    assert "--coverage=full" in result.stderr
    assert result.stdout == ""


def test_call_the_profile_refuses_fails_with_the_profiles_errno(
        runsc: Runsc, make_bundle: MakeBundle) -> None:
    profile = {"defaultAction": "SCMP_ACT_ALLOW",
               "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO",
                             "errnoRet": errno.EACCES}]}
    bundle = make_bundle(["/bin/mkdir", "/tmp/made"], linux={"seccomp": profile},
                         root={"readonly": False})
    result = runsc("run", bundle.path)

    assert result.returncode != 0
    assert "Permission denied" in result.stderr


def test_profile_cannot_allow_a_call_the_table_denies(
        runsc: Runsc, make_bundle: MakeBundle, static_program: StaticProgram) -> None:
    allow_all = {"defaultAction": "SCMP_ACT_ALLOW"}
    bundle = make_bundle(["/bin/mount_call"], linux={"seccomp": allow_all})
    bundle.install(static_program("mount_call"))
    result = runsc("run", bundle.path)

    assert result.stdout == "EPERM\n", result.stderr


def test_profile_with_an_unknown_action_names_the_field(
        runsc: Runsc, make_bundle: MakeBundle) -> None:
    profile = {"defaultAction": "SCMP_ACT_ERRNO",
               "syscalls": [{"names": ["read"], "action": "SCMP_ACT_MAYBE"}]}
    result = runsc("run", make_bundle(["/bin/true"], linux={"seccomp": profile}).path)

    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "linux.seccomp.syscalls[0].action" in result.stderr


def test_profile_asking_for_a_listener_is_refused(runsc: Runsc, make_bundle: MakeBundle) -> None:
    profile = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/run/agent.sock"}
    result = runsc("run", make_bundle(["/bin/true"], linux={"seccomp": profile}).path)

    assert result.returncode == 1
    assert "linux.seccomp.listenerPath" in result.stderr


def test_profile_argument_conditions_refuse_only_the_matching_calls(
        runsc: Runsc, make_bundle: MakeBundle) -> None:
    profile = {"defaultAction": "SCMP_ACT_ALLOW",
               "syscalls": [{"names": ["chmod"], "action": "SCMP_ACT_ERRNO",
                             "errnoRet": errno.EACCES,
                             "args": [{"index": 1, "value": 0o700, "op": "SCMP_CMP_EQ"}]}]}
    script = "mkdir /tmp/x; chmod 700 /tmp/x; echo $?; chmod 755 /tmp/x; echo $?"
    bundle = make_bundle(["/bin/sh", "-c", script], linux={"seccomp": profile},
                         root={"readonly": False})
    result = runsc("run", bundle.path)

    assert result.stdout == "1\n0\n", result.stderr
    assert "Permission denied" in result.stderr


def test_conditions_on_one_argument_are_alternatives_as_in_runc() -> None:
    same = (ArgCondition(0, "SCMP_CMP_EQ", 1), ArgCondition(0, "SCMP_CMP_EQ", 2))
    different = (ArgCondition(0, "SCMP_CMP_EQ", 1), ArgCondition(1, "SCMP_CMP_EQ", 2))
    assert list(condition_sets(same)) == [(same[0],), (same[1],)]
    assert list(condition_sets(different)) == [different]


def test_refused_names_are_what_the_profile_does_not_allow() -> None:
    profile = parse_seccomp({"defaultAction": "SCMP_ACT_ERRNO",
                             "syscalls": [{"names": ["read", "write", "not_a_call"],
                                           "action": "SCMP_ACT_ALLOW"}]})
    assert profile is not None
    refused = refused_names(profile, load_table("x86_64"))
    assert "read" not in refused and "write" not in refused
    assert "openat" in refused
    assert len(refused) == len(load_table("x86_64").entries) - 2


@pytest.mark.parametrize(("profile", "field"), [
    ([], "linux.seccomp"),
    ({"syscalls": []}, "linux.seccomp.defaultAction"),
    ({"defaultAction": "SCMP_ACT_TRACE"}, "linux.seccomp.defaultAction"),
    ({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": -1},
     "linux.seccomp.defaultErrnoRet"),
    ({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_Z80"]},
     "linux.seccomp.architectures[0]"),
    ({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"action": "SCMP_ACT_ALLOW"}]},
     "linux.seccomp.syscalls[0].names"),
    ({"defaultAction": "SCMP_ACT_ERRNO",
      "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW",
                    "args": [{"index": 6, "value": 0, "op": "SCMP_CMP_EQ"}]}]},
     "linux.seccomp.syscalls[0].args[0].index"),
    ({"defaultAction": "SCMP_ACT_ERRNO",
      "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW",
                    "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_ABOUT"}]}]},
     "linux.seccomp.syscalls[0].args[0].op"),
])
def test_bad_profile_names_the_field(profile: object, field: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(with_profile(profile), Path("/"))
    assert caught.value.field == field


def with_profile(profile: object) -> dict[str, Any]:
    """A config that is valid but for its linux.seccomp."""
    return {"ociVersion": "1.0.2", "process": {"args": ["/bin/true"], "cwd": "/"},
            "root": {"path": "/"}, "linux": {"seccomp": profile}}
