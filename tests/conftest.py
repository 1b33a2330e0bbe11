"""Shared fixtures for the end-to-end tests: the CLI, busybox bundles, static test programs and
a look at what a run may have left behind on the host.

The sandbox needs root; fixtures that run it skip (with the reason) when the tests are not root
or when busybox-static or gcc is missing.
"""

from __future__ import annotations

import copy
import glob
import itertools
import json
import os
import re
import shutil
import struct
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
RUNSC_PY = REPO / "runsc.py"
PROGRAMS = Path(__file__).resolve().parent / "programs"
BUILD_BUSYBOX_BUNDLE = REPO / "examples" / "build-busybox-bundle.sh"
HOST_BUSYBOX = Path("/bin/busybox")

# Generous: a hung sandbox fails its test instead of blocking CI. Not a performance threshold.
RUNSC_TIMEOUT = 120.0

# Every test that runs the sandbox through the `runsc` fixture runs once per platform; its id
# ends in [seccomp] or [ptrace]. A test for one platform only says so with
# `@pytest.mark.parametrize("runsc", ["ptrace"], indirect=True)`.
PLATFORMS = ("seccomp", "ptrace")

# Where runsc-py may create cgroups: v1 controllers and a pure v2 hierarchy (and this host's
# hybrid v2 mount at /sys/fs/cgroup/unified, which the first pattern covers).
CGROUP_PATTERNS = ("/sys/fs/cgroup/*/runsc-py/*", "/sys/fs/cgroup/runsc-py/*")


def minimal_config(args: list[str]) -> dict[str, Any]:
    """The smallest valid OCI config these tests run: busybox rootfs, read-only root, /proc and
    /dev mounted, new pid, mount, ipc, uts and network namespaces."""
    return {
        "ociVersion": "1.0.2",
        "process": {
            "terminal": False,
            "user": {"uid": 0, "gid": 0},
            "args": list(args),
            "env": ["PATH=/bin:/usr/bin"],
            "cwd": "/",
        },
        "root": {"path": "rootfs", "readonly": True},
        "hostname": "runsc-test",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {
                "destination": "/dev",
                "type": "tmpfs",
                "source": "tmpfs",
                "options": ["nosuid", "strictatime", "mode=755", "size=65536k"],
            },
        ],
        "linux": {
            "namespaces": [
                {"type": "pid"},
                {"type": "mount"},
                {"type": "ipc"},
                {"type": "uts"},
                {"type": "network"},
            ]
        },
    }


def merged(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with `overrides` applied: dicts merge key by key, anything else is replaced."""
    result = copy.deepcopy(dict(base))
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(result.get(key), Mapping):
            result[key] = merged(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def require_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("runsc-py needs root: the sandbox uses namespaces, mounts and cgroups")


# --- the CLI -----------------------------------------------------------------------------


@dataclass
class Runsc:
    """Runs `python runsc.py --root STATE_ROOT --platform PLATFORM ARGS...`; each test gets its
    own state root. A later `--platform` in ARGS wins (argparse keeps the last)."""

    state_root: Path
    platform: str = "seccomp"
    started: list[subprocess.Popen[str]] = field(default_factory=list)

    def argv(self, *args: str | os.PathLike[str]) -> list[str]:
        return [sys.executable, str(RUNSC_PY), "--root", str(self.state_root),
                "--platform", self.platform, *map(str, args)]

    def __call__(
        self,
        *args: str | os.PathLike[str],
        input: str | None = None,
        cwd: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = RUNSC_TIMEOUT,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.argv(*args),
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            timeout=timeout,
        )

    def popen(self, *args: str | os.PathLike[str]) -> subprocess.Popen[str]:
        """A run in the background; killed when the test ends if it is still running."""
        proc = subprocess.Popen(
            self.argv(*args),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.started.append(proc)
        return proc

    def kill_leftovers(self) -> None:
        """A failed test may leave a background run behind: it must not outlive the test
        (its sandbox would load the machine for the tests and benchmarks after it)."""
        for proc in self.started:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()


@pytest.fixture
def state_root(tmp_path: Path) -> Path:
    """The `--root` state directory of this test's runs (not created: runsc-py creates it)."""
    return tmp_path / "state"


@pytest.fixture(params=PLATFORMS)
def runsc(state_root: Path, request: pytest.FixtureRequest) -> Iterator[Runsc]:
    """`runsc("run", bundle.path)` -> CompletedProcess with text stdout/stderr.

    Global flags go first: `runsc("--strace", "run", bundle.path)`. `--root` is always this
    test's `state_root`; `--platform` is each of PLATFORMS in turn (`runsc.platform`). A hang
    fails after RUNSC_TIMEOUT seconds."""
    require_root()
    runner = Runsc(state_root, platform=request.param)
    yield runner
    runner.kill_leftovers()


# --- bundles -----------------------------------------------------------------------------


def is_static_elf(path: Path) -> bool:
    """True when the ELF file has no PT_INTERP program header (needs no dynamic loader)."""
    with path.open("rb") as f:
        header = f.read(64)
        if header[:4] != b"\x7fELF" or header[4] != 2:  # 64-bit ELF only
            return False
        (phoff,) = struct.unpack_from("<Q", header, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", header, 0x36)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    pt_interp = 3
    return all(struct.unpack_from("<I", table, i * phentsize)[0] != pt_interp for i in range(phnum))


@pytest.fixture(scope="session")
def busybox_rootfs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A read-only-by-convention busybox rootfs built once per session by
    examples/build-busybox-bundle.sh: /bin/busybox from Debian's busybox-static with a symlink
    per applet, proc dev sys tmp etc root mnt, /etc/passwd (root, nobody), /etc/group,
    /etc/hostname. Tests never write into it: `make_bundle` gives each test its own copy."""
    if not HOST_BUSYBOX.is_file():
        pytest.skip("busybox-static is not installed (/bin/busybox missing)")
    if not is_static_elf(HOST_BUSYBOX):
        pytest.skip("/bin/busybox is dynamically linked: install Debian's busybox-static")
    bundle = tmp_path_factory.mktemp("busybox-bundle")
    subprocess.run(
        [str(BUILD_BUSYBOX_BUNDLE), str(bundle)],
        check=True,
        env={**os.environ, "BUSYBOX": str(HOST_BUSYBOX)},
    )
    return bundle / "rootfs"


@dataclass
class Bundle:
    """An OCI bundle dir of one test: `path/config.json` and its own copy of the rootfs."""

    path: Path
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def rootfs(self) -> Path:
        return self.path / "rootfs"

    @property
    def config_path(self) -> Path:
        return self.path / "config.json"

    def write_config(self) -> None:
        """Writes `self.config` (after a test changed it) to config.json."""
        self.config_path.write_text(json.dumps(self.config, indent=2) + "\n")

    def install(self, program: Path, box_path: str | None = None) -> str:
        """Copies a host file into the rootfs (default /bin/<name>); returns its in-box path."""
        box_path = box_path or f"/bin/{program.name}"
        target = self.rootfs / box_path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(program, target)
        return box_path


MakeBundle = Callable[..., Bundle]


@pytest.fixture
def make_bundle(busybox_rootfs: Path, tmp_path: Path) -> MakeBundle:
    """`make_bundle(args, **overrides) -> Bundle`: a fresh bundle with a private copy of the
    busybox rootfs and config.json = minimal_config(args) merged with `overrides` (top-level
    keys; dicts merge, e.g. `hostname="box"`, `process={"env": [...]}`,
    `linux={"resources": {...}}`; lists such as `mounts` are replaced)."""
    counter = itertools.count()

    def make(args: list[str], **overrides: Any) -> Bundle:
        bundle = Bundle(tmp_path / f"bundle-{next(counter)}")
        bundle.path.mkdir()
        shutil.copytree(busybox_rootfs, bundle.rootfs, symlinks=True)
        bundle.config = merged(minimal_config(args), overrides)
        bundle.write_config()
        return bundle

    return make


# --- static test programs ----------------------------------------------------------------


StaticProgram = Callable[[str], Path]


@pytest.fixture(scope="session")
def static_program(tmp_path_factory: pytest.TempPathFactory) -> StaticProgram:
    """`static_program("null_deref") -> Path`: tests/programs/null_deref.c compiled with
    `gcc -static -O1 -pthread`, once per session. Copy it into a bundle with `bundle.install`."""
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc is not installed")
    out_dir = tmp_path_factory.mktemp("programs")
    built: dict[str, Path] = {}

    def build(name: str) -> Path:
        if name not in built:
            binary = out_dir / name
            result = subprocess.run(
                [
                    gcc,
                    "-static",
                    "-O1",
                    "-pthread",
                    "-Wall",
                    "-o",
                    str(binary),
                    str(PROGRAMS / f"{name}.c"),
                ],
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                if "cannot find -lc" in result.stderr:
                    pytest.skip("static libc is missing: install libc6-dev")
                pytest.fail(f"gcc failed on tests/programs/{name}.c:\n{result.stderr}")
            built[name] = binary
        return built[name]

    return build


# --- what a run leaves behind --------------------------------------------------------------


def _read_proc(pid: str, name: str) -> bytes:
    try:
        return Path(f"/proc/{pid}/{name}").read_bytes()
    except OSError:  # gone, or a kernel thread
        return b""


def processes_marked(marker: str) -> dict[int, str]:
    """Live processes whose command line or environment contains `marker`: pid -> cmdline."""
    needle = marker.encode()
    found: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        cmdline = _read_proc(entry, "cmdline")
        if needle in cmdline or needle in _read_proc(entry, "environ"):
            found[int(entry)] = cmdline.replace(b"\0", b" ").decode(errors="replace").strip()
    return found


def _unescape_mountinfo(text: str) -> str:
    """mountinfo writes space, tab, newline and backslash as octal escapes (\\040)."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), text)


def mounts_under(path: Path) -> list[str]:
    """Mount points in this process's /proc/self/mountinfo at or below `path`."""
    prefix = str(path.resolve())
    points = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = _unescape_mountinfo(line.split()[4])
        if point == prefix or point.startswith(prefix + "/"):
            points.append(point)
    return points


def runsc_cgroups() -> set[str]:
    """Cgroup directories below any `runsc-py` cgroup (v1 controllers, v2, hybrid)."""
    return {p for pattern in CGROUP_PATTERNS for p in glob.glob(pattern) if os.path.isdir(p)}


def state_entries(state_root: Path) -> list[str]:
    """What is left in a `--root` state directory (nothing when it does not exist)."""
    return sorted(os.listdir(state_root)) if state_root.is_dir() else []


@dataclass
class HostSnapshot:
    """The runsc-py cgroups that existed when the test started, to tell new ones apart."""

    cgroups_before: set[str]

    def leftovers(self, *, marker: str, bundle: Bundle, state_root: Path) -> list[str]:
        """Everything of a finished run still on the host, one readable line each: processes
        carrying `marker` (in their command line or environment), mounts of the bundle, new
        runsc-py cgroups of the container id `marker`, and entries of the state dir. Empty
        when the run cleaned up."""
        found = [f"process {pid}: {cmd}" for pid, cmd in processes_marked(marker).items()]
        found += [f"mount {point}" for point in mounts_under(bundle.path)]
        # The run's cgroups are named after its container id (the tests use the marker):
        # other sandboxes running meanwhile on the same host are not this run's leftovers.
        found += [f"cgroup {d}" for d in sorted(runsc_cgroups() - self.cgroups_before)
                  if os.path.basename(d) == marker]
        found += [f"state {state_root / e}" for e in state_entries(state_root)]
        return found


@pytest.fixture
def host_snapshot() -> HostSnapshot:
    """Taken before the test runs anything; `host_snapshot.leftovers(...)` after the run."""
    return HostSnapshot(runsc_cgroups())
