"""A bad bundle is refused before anything starts: one line on stderr naming the field, exit
status 1, nothing left behind."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from conftest import Bundle, HostSnapshot, MakeBundle, Runsc, minimal_config


@dataclass(frozen=True)
class BadConfig:
    field: str  # what the one-line error must name
    spoil: Callable[[Bundle], None]


def set_config(path: str, value: object) -> Callable[[Bundle], None]:
    """Sets a dotted config path (`process.args`, `mounts.1.options`) and rewrites config.json."""

    def spoil(bundle: Bundle) -> None:
        *parents, last = path.split(".")
        node = bundle.config
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
        bundle.write_config()

    return spoil


def write_text(text: str) -> Callable[[Bundle], None]:
    """Replaces config.json with `text`."""

    def spoil(bundle: Bundle) -> None:
        bundle.config_path.write_text(text)

    return spoil


UNKNOWN_MOUNT = {"destination": "/weird", "type": "no-such-fs", "source": "weird"}

BAD_CONFIGS = [
    pytest.param(BadConfig("config.json", write_text("{ not json")), id="unreadable-json"),
    pytest.param(
        BadConfig("config.json", lambda bundle: bundle.config_path.unlink()),
        id="missing-config-json",
    ),
    pytest.param(
        BadConfig("root.path", lambda bundle: shutil.rmtree(bundle.rootfs)), id="missing-rootfs"
    ),
    pytest.param(BadConfig("process.args", set_config("process.args", [])), id="empty-args"),
    pytest.param(
        BadConfig(
            "mounts[0].type",
            set_config("mounts", [UNKNOWN_MOUNT, *minimal_config([])["mounts"]]),
        ),
        id="unknown-mount-type",
    ),
    pytest.param(
        BadConfig("process.args", set_config("process.args", "/bin/echo STARTED")),
        id="args-not-a-list",
    ),
    pytest.param(
        BadConfig("process.env", set_config("process.env", "PATH=/bin")), id="env-not-a-list"
    ),
    pytest.param(
        BadConfig("process.user.uid", set_config("process.user.uid", "root")),
        id="uid-not-a-number",
    ),
    pytest.param(
        BadConfig("root.readonly", set_config("root.readonly", "yes")), id="readonly-not-a-bool"
    ),
    pytest.param(BadConfig("hostname", set_config("hostname", 42)), id="hostname-not-a-string"),
    pytest.param(
        BadConfig("mounts[1].options", set_config("mounts.1.options", "nosuid")),
        id="mount-options-not-a-list",
    ),
    pytest.param(
        BadConfig(
            "linux.resources.memory.limit", set_config("linux.resources.memory.limit", "lots")
        ),
        id="memory-limit-not-a-number",
    ),
]


each_bad_config = pytest.mark.parametrize("case", BAD_CONFIGS)


@pytest.fixture
def container_id() -> str:
    return f"bad-config-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def bad_bundle(make_bundle: MakeBundle, case: BadConfig) -> Bundle:
    """A bundle that would print STARTED and set up cgroups, spoiled as `case` says."""
    bundle = make_bundle(
        ["/bin/echo", "STARTED"],
        linux={"resources": {"memory": {"limit": 64 * 1024 * 1024}, "pids": {"limit": 64}}},
    )
    case.spoil(bundle)
    return bundle


@each_bad_config
def test_bad_config_exits_with_status_1(
    runsc: Runsc, bad_bundle: Bundle, container_id: str
) -> None:
    result = runsc("run", "--bundle", bad_bundle.path, container_id)

    assert result.returncode == 1, result.stderr


@each_bad_config
def test_bad_config_error_is_one_line_naming_the_field(
    runsc: Runsc, bad_bundle: Bundle, case: BadConfig, container_id: str
) -> None:
    result = runsc("run", "--bundle", bad_bundle.path, container_id)

    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert case.field in lines[0]


@each_bad_config
def test_bad_config_starts_nothing(runsc: Runsc, bad_bundle: Bundle, container_id: str) -> None:
    result = runsc("run", "--bundle", bad_bundle.path, container_id)

    assert "STARTED" not in result.stdout


@each_bad_config
def test_bad_config_leaves_nothing_behind(
    runsc: Runsc, bad_bundle: Bundle, container_id: str, host_snapshot: HostSnapshot
) -> None:
    runsc("run", "--bundle", bad_bundle.path, container_id)

    leftovers = host_snapshot.leftovers(
        marker=container_id, bundle=bad_bundle, state_root=runsc.state_root
    )
    assert leftovers == []


# --- bad command lines -----------------------------------------------------------------------


def test_unknown_run_flag_is_refused_naming_it(runsc: Runsc, make_bundle: MakeBundle) -> None:
    bundle = make_bundle(["/bin/echo", "STARTED"])

    result = runsc("run", "--no-such-flag", bundle.path)

    assert result.returncode != 0
    assert "--no-such-flag" in result.stderr
    assert "STARTED" not in result.stdout


def test_unknown_platform_is_refused_naming_it(runsc: Runsc, make_bundle: MakeBundle) -> None:
    bundle = make_bundle(["/bin/echo", "STARTED"])

    result = runsc("--platform", "no-such-platform", "run", bundle.path)

    assert result.returncode != 0
    assert "no-such-platform" in result.stderr
    assert "STARTED" not in result.stdout
