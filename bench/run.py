#!/usr/bin/env python3
"""The runsc-py benchmark: per-call costs, bare C floors and workloads, as ratios against
native measured in the same run (issue 6).

    python bench/run.py [--quick] [--json FILE] [--tmp DIR]

Why one process run: figures from different runs (or from DESIGN.md) are not comparable on
a VM whose cost of waking a CPU changes from run to run, so every ratio here divides two
medians taken minutes apart at most, with the columns interleaved per repetition.

Not part of the test suite: nothing here asserts a timing; the targets are printed with
the measured ratio and "ok" or "MISS".
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import random
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RUNSC = [sys.executable, str(REPO / "runsc.py")]
PYTHON3 = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"
PY_IMPORTS = "import json, re, sqlite3, subprocess, asyncio, email, http.client"
TIMEOUT_S = 900.0


# --------------------------------------------------------------------------------------
# Sizes


@dataclass(frozen=True)
class Sizes:
    """How much work each measurement does; --quick trades precision for a short run."""

    call_runs: int  # runs of the per-call program per column, columns interleaved
    call_rounds: int  # rounds per run (the median of all rounds of all runs is taken)
    call_budget_ms: int  # time each round fills
    floor_iterations: int
    floor_rounds: int
    reps: int  # repetitions of each workload (median taken)
    start_reps: int  # of the start-up rows: short, and noisier than the start they measure
    c_files: int  # .c files of the generated gcc project
    tar_files: int
    find_root: str
    compute_s: float  # native seconds of the compute loop


FULL = Sizes(call_runs=3, call_rounds=3, call_budget_ms=100,
             floor_iterations=10000, floor_rounds=5,
             reps=3, start_reps=15, c_files=32, tar_files=2000, find_root="/usr/include",
             compute_s=1.0)
QUICK = Sizes(call_runs=1, call_rounds=3, call_budget_ms=20,
              floor_iterations=3000, floor_rounds=3,
              reps=3, start_reps=5, c_files=5, tar_files=500, find_root="/usr/include/linux",
              compute_s=0.2)


# --------------------------------------------------------------------------------------
# Columns: how one command runs natively, in the sandbox or under a peer tool


@dataclass(frozen=True)
class Column:
    """One way to run a command; `wrap` turns the command into the argv that runs it."""

    key: str
    title: str
    wrap: Callable[[list[str]], list[str]]


def _runsc_do(platform_name: str) -> Callable[[list[str]], list[str]]:
    return lambda cmd: [*RUNSC, "--platform", platform_name, "do", "--", *cmd]


def detect_columns(log: Callable[[str], None]) -> list[Column]:
    """Native and runsc-py seccomp always; ptrace, strace and proot only when they work
    here, so a missing peer drops its column instead of failing the run."""
    cols = [Column("native", "native", lambda cmd: cmd),
            Column("seccomp", "runsc-py seccomp", _runsc_do("seccomp"))]
    probe = execute([*RUNSC, "--platform", "ptrace", "do", "--", "true"], "/", timeout=60)
    if probe.rc == 0:
        cols.append(Column("ptrace", "runsc-py ptrace", _runsc_do("ptrace")))
    else:
        log(f"runsc-py --platform ptrace does not run here ({failure(probe)}): no ptrace "
            "column")
    if shutil.which("strace"):
        cols.append(Column("strace", "strace -f",
                           lambda cmd: ["strace", "-f", "-qq", "-o", "/dev/null", *cmd]))
    else:
        log("strace not installed: no strace column (apt-get install strace)")
    if shutil.which("proot") and subprocess.run(["proot", "true"],
                                                capture_output=True).returncode == 0:
        cols.append(Column("proot", "proot", lambda cmd: ["proot", *cmd]))
    else:
        log("proot not installed or not working: no proot column (apt-get install proot)")
    return cols


# --------------------------------------------------------------------------------------
# Rows


@dataclass
class Row:
    """One line of the table: samples per column, the median of each, a ratio against the
    baseline column (native, or runc for the bundle row)."""

    name: str
    group: str  # "call" | "workload"
    unit: str  # "us" | "ms"
    note: str = ""
    baseline_title: str = "native"
    samples: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    skipped: set[str] = field(default_factory=set)

    def median(self, key: str) -> float | None:
        values = self.samples.get(key)
        return statistics.median(values) if values and key not in self.errors else None

    def ratio(self, key: str) -> float | None:
        base, value = self.median("native"), self.median(key)
        return value / base if base and value is not None else None

    def to_json(self) -> dict[str, Any]:
        keys = sorted(set(self.samples) | set(self.errors))
        return {"name": self.name, "group": self.group, "unit": self.unit, "note": self.note,
                "baseline": self.baseline_title,
                "median": {k: self.median(k) for k in keys},
                "ratio": {k: self.ratio(k) for k in keys},
                "samples": self.samples, "errors": self.errors,
                "skipped": sorted(self.skipped)}


@dataclass
class Floor:
    """A floor, in microseconds: a bare C supervisor's cost per answered getppid, a bare
    socket hop, a read under a filter, or the interpreter's start."""

    key: str
    title: str
    samples: list[float] = field(default_factory=list)
    error: str = ""

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples) if self.samples and not self.error else None


# --------------------------------------------------------------------------------------
# Running things


@dataclass(frozen=True)
class Outcome:
    """What one run gave: exit status, output and wall seconds (start-up included)."""

    rc: int
    stdout: str
    stderr: str
    wall_s: float


TIMED_OUT = -1000


def execute(argv: Sequence[str], cwd: Path | str, timeout: float = TIMEOUT_S) -> Outcome:
    """Run argv to its end; stdin is /dev/null so nothing waits on a terminal. Each run gets
    its own process group, so a hung run is ended (TERM, then KILL) without touching any
    process this bench did not start."""
    start = time.perf_counter()
    proc = subprocess.Popen(list(argv), cwd=cwd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            try:
                out, _ = proc.communicate(timeout=10)
                break
            except subprocess.TimeoutExpired:
                continue
        else:
            out = ""
        return Outcome(TIMED_OUT, out or "", f"timed out after {timeout:.0f}s",
                       time.perf_counter() - start)
    return Outcome(proc.returncode, out, err, time.perf_counter() - start)


def floats(text: str) -> list[float]:
    """The lines of a C program's output that are numbers (a sandbox may add others)."""
    values = []
    for line in text.splitlines():
        try:
            values.append(float(line.strip()))
        except ValueError:
            continue
    return values


def failure(outcome: Outcome) -> str:
    if outcome.rc == TIMED_OUT:
        return outcome.stderr
    tail = (outcome.stderr.strip().splitlines() or ["no output"])[-1]
    return f"exit {outcome.rc}: {tail[:160]}"


def compile_sentry_bytecode() -> None:
    """Bytecode for the sentry's sources as they are now: with PYTHONDONTWRITEBYTECODE set
    (as on these machines), a source edited since setup.sh would be compiled again at every
    start, and the start-up rows would measure the compiler."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", "sentry", "gofer", "syscall_tables",
                    "runsc.py"], cwd=REPO, check=True)


def compile_programs(workdir: Path) -> dict[str, Path]:
    """gcc -static each bench/*.c into workdir: static, so the per-call figures hold no
    dynamic-loader path calls and the programs run alike in every column."""
    built = {}
    for name in ("calls", "floor_seccomp", "floor_ptrace", "floor_hop", "floor_filter", "spin"):
        out = workdir / name
        subprocess.run(["gcc", "-O2", "-static", "-Wall", "-o", str(out),
                        str(BENCH / f"{name}.c")], check=True)
        built[name] = out
    return built


# --------------------------------------------------------------------------------------
# Per-call rows


@dataclass(frozen=True)
class CallSpec:
    """One per-call row: the calls.c mode and the syscalls it makes (for the table note)."""

    mode: str
    title: str
    syscalls: tuple[str, ...]


CALLS = (
    CallSpec("getuid", "getuid (emulated)", ("getuid",)),
    CallSpec("getppid", "getppid", ("getppid",)),
    CallSpec("read", "read 1 byte /dev/zero", ("read",)),
    CallSpec("stat", "stat existing file", ("newfstatat",)),
    CallSpec("stat_missing", "stat missing file", ("newfstatat",)),
    CallSpec("stat_after_compute", "stat after 1 ms of compute", ("newfstatat",)),
    CallSpec("fstat", "fstat of an open fd", ("newfstatat",)),
    CallSpec("open_close", "open+close", ("openat", "close")),
    CallSpec("readlink", "readlink non-link", ("readlink",)),
    CallSpec("fork", "fork+exit+wait", ("clone", "exit_group", "wait4")),
    CallSpec("exec", "fork+execve /bin/true+wait", ("clone", "execve", "wait4")),
)


def dispositions(names: Sequence[str]) -> str:
    """How the table handles each syscall today, read at run time so the note follows the
    table when dispositions change (e.g. getppid from passthrough to emulate)."""
    try:
        sys.path.insert(0, str(REPO))
        from syscall_tables import load_table

        table = load_table("x86_64")
        return ", ".join(f"{n}: {table.by_name[n].disposition.value}" for n in names)
    except Exception as err:  # the table is others' code: never fail the bench on it
        return f"table unavailable ({type(err).__name__})"
    finally:
        sys.path.remove(str(REPO))


def measure_calls(cols: Sequence[Column], progs: dict[str, Path], sizes: Sizes,
                  workdir: Path, dead: set[str], log: Callable[[str], None]) -> list[Row]:
    target = workdir / "exists"
    target.write_text("a file for stat, open and readlink\n")
    rows = []
    for spec in CALLS:
        row = Row(spec.title, "call", "us", note=dispositions(spec.syscalls))
        for _ in range(sizes.call_runs):  # columns interleaved: drift hits each alike
            for col in cols:
                if col.key in row.errors:
                    continue
                if col.key in dead:
                    row.errors[col.key] = "skipped: an earlier run timed out"
                    continue
                cmd = [str(progs["calls"]), spec.mode, str(sizes.call_rounds),
                       str(sizes.call_budget_ms), str(target)]
                outcome = execute(col.wrap(cmd), workdir, timeout=300)
                values = [ns / 1000.0 for ns in floats(outcome.stdout)]
                if outcome.rc == TIMED_OUT:
                    dead.add(col.key)
                if outcome.rc != 0 or not values:
                    row.errors[col.key] = failure(outcome)
                row.samples.setdefault(col.key, []).extend(values)
        log(progress(row, cols))
        rows.append(row)
    return rows


# --------------------------------------------------------------------------------------
# Floors


def measure_floors(progs: dict[str, Path], sizes: Sizes, workdir: Path,
                   log: Callable[[str], None]) -> list[Floor]:
    """The bare C supervisors, run natively: the kernel round trip per platform; and the
    bare socket hop that each gofer call adds on top of it."""
    n, r = str(sizes.floor_iterations), str(sizes.floor_rounds)
    runs = [
        ("seccomp_nosync", "seccomp-notify, no SYNC_WAKE_UP", [progs["floor_seccomp"], n, r, "0"]),
        ("seccomp_sync", "seccomp-notify + SYNC_WAKE_UP", [progs["floor_seccomp"], n, r, "1"]),
        ("ptrace_same", "ptrace TRACESECCOMP, same CPU", [progs["floor_ptrace"], n, r, "same"]),
    ]
    runs.append(("hop_same", "gofer hop (socketpair round trip), same CPU",
                 [progs["floor_hop"], n, r, "same"]))
    if (os.cpu_count() or 1) >= 2:
        runs.insert(3, ("ptrace_different", "ptrace TRACESECCOMP, different CPUs",
                        [progs["floor_ptrace"], n, r, "different"]))
        runs.append(("hop_different", "gofer hop (socketpair round trip), different CPUs",
                     [progs["floor_hop"], n, r, "different"]))
    runs.append(("filter", "read 1 byte under an allow-all seccomp filter",
                 [progs["floor_filter"], str(100 * sizes.floor_iterations), r]))
    floors = []
    for key, title, argv in runs:
        outcome = execute([str(a) for a in argv], workdir)
        floor = Floor(key, title, [ns / 1000.0 for ns in floats(outcome.stdout)])
        if outcome.rc != 0 or not floor.samples:
            floor.error = failure(outcome)
        log(f"  floor {title}: {fmt(floor.median)} us {floor.error}".rstrip())
        floors.append(floor)
    floors.append(measure_interpreter_start(sizes.floor_rounds * 2, workdir, log))
    return floors


def measure_interpreter_start(runs: int, workdir: Path, log: Callable[[str], None]) -> Floor:
    """The start-up rows' floor: the interpreter runsc-py runs on (this one) starting and
    ending with nothing to do, its site (.pth files of its site-packages) included. It
    differs between a venv, a distribution's python and one whose site-packages hold
    import hooks, so each run measures its own. In microseconds, as the other floors."""
    floor = Floor("interpreter", "interpreter start: python -c pass, site included")
    for _ in range(runs):
        outcome = execute([sys.executable, "-c", "pass"], workdir)
        if outcome.rc != 0:
            floor.error = failure(outcome)
            break
        floor.samples.append(outcome.wall_s * 1e6)
    log(f"  floor {floor.title}: {fmt(floor.median)} us {floor.error}".rstrip())
    return floor


# --------------------------------------------------------------------------------------
# Workloads


@dataclass(frozen=True)
class Prepared:
    """A workload's command and cwd for one repetition, made fresh (outside the timing)
    so that native runs, whose writes persist, start from the same state as sandbox ones,
    whose writes vanish with the overlay."""

    argv: list[str]
    cwd: Path


@dataclass
class Workload:
    """One workload row: how to prepare each repetition and which columns apply."""

    title: str
    note: str
    prepare: Callable[[Path], Prepared]
    columns: tuple[str, ...] = ("native", "seccomp", "ptrace", "strace", "proot")
    # set when the program prints its own elapsed ns: a second row, start-up excluded
    inproc_title: str | None = None
    baseline_title: str = "native"
    argv_for: Callable[[Column, list[str]], list[str] | None] | None = None
    # prepared, for the columns that run on the host, under the scratch tmpfs (where a
    # sandbox's writes go to its in-memory overlay anyway)
    writes_to_memory: bool = False
    start_up_only: bool = False  # a start-up row: repeated sizes.start_reps times


C_HEADER = """\
#ifndef COMMON_H
#define COMMON_H
#include <stddef.h>
struct item { int key; double weight; char name[32]; };
@DECLS@
#endif
"""

C_MODULE = """\
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"

static int cmp_@I@(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    return (x->key > y->key) - (x->key < y->key);
}

static void name_@I@(struct item *it, int i)
{
    snprintf(it->name, sizeof it->name, "item-%d-%d", @I@, i);
    for (char *p = it->name; *p; p++)
        *p = (char)toupper((unsigned char)*p);
}

double module_@I@(int n)
{
    struct item *items = calloc((size_t)n, sizeof *items);
    double total = 0.0;
    if (!items)
        return -1.0;
    for (int i = 0; i < n; i++) {
        items[i].key = (i * 7919 + @I@) % 1009;
        items[i].weight = sqrt((double)i + @I@.5);
        name_@I@(&items[i], i);
    }
    qsort(items, (size_t)n, sizeof *items, cmp_@I@);
    for (int i = 0; i < n; i++)
        total += items[i].weight * (double)strlen(items[i].name);
    free(items);
    return total;
}
"""

MAKEFILE = """\
CC = gcc
CFLAGS = -O1 -Wall -I.
SRCS = $(wildcard src/*.c)
OBJS = $(SRCS:.c=.o)

prog: $(OBJS)
\t$(CC) -o $@ $(OBJS) -lm

src/%.o: src/%.c common.h
\t$(CC) $(CFLAGS) -c $< -o $@
"""


def write_c_project(root: Path, files: int) -> None:
    """A small multi-file C project: each module includes the usual libc headers, so the
    build makes gcc's real lookup pattern (include paths, failing readlinks, execve of
    cc1/as/collect2/ld)."""
    src = root / "src"
    src.mkdir(parents=True)
    modules = files - 1
    decls = "\n".join(f"double module_{i}(int n);" for i in range(modules))
    (root / "common.h").write_text(C_HEADER.replace("@DECLS@", decls))
    for i in range(modules):
        (src / f"mod{i:02d}.c").write_text(C_MODULE.replace("@I@", str(i)))
    calls = "\n".join(f"    total += module_{i}(100);" for i in range(modules))
    (src / "main.c").write_text(
        '#include <stdio.h>\n#include "common.h"\n\nint main(void)\n{\n'
        f"    double total = 0.0;\n{calls}\n"
        '    printf("%f\\n", total);\n    return 0;\n}\n')
    (root / "Makefile").write_text(MAKEFILE)


def write_tar(workdir: Path, files: int) -> Path:
    """A tar of `files` small files in 20 directories (made once, extracted per rep)."""
    src = workdir / "tar-src"
    rng = random.Random(6)
    for i in range(files):
        d = src / f"d{i % 20:02d}"
        d.mkdir(parents=True, exist_ok=True)
        size = rng.randint(100, 2000)
        (d / f"f{i:04d}.txt").write_bytes(bytes(rng.getrandbits(7) for _ in range(size)))
    archive = workdir / "files.tar"
    subprocess.run(["tar", "-cf", str(archive), "-C", str(src), "."], check=True)
    shutil.rmtree(src)
    return archive


def fresh_dir(workdir: Path, stem: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"{stem}-", dir=workdir))


MEMORY_DIR = "tmpfs"  # under the scratch dir: see mount_memory_dir
SANDBOX_COLUMNS = ("seccomp", "ptrace")


def mount_memory_dir(workdir: Path) -> Path:
    """A tmpfs under the scratch dir, where rows that write many files write: runsc-py
    writes into its in-memory overlay, so the other columns write to memory too, not to
    the host's disk (tar of 2000 files: about 1 s to ext4, a tenth of that to memory).
    runsc-py's overlay shows the host's `/` without its submounts, so the sandbox columns
    keep their directories on the scratch dir, which their overlay puts in memory."""
    path = workdir / MEMORY_DIR
    path.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2g,mode=0755", "tmpfs", str(path)],
                   check=True)
    return path


def unmount_memory_dir(workdir: Path) -> None:
    path = workdir / MEMORY_DIR
    if path.is_dir() and os.path.ismount(path):
        subprocess.run(["umount", str(path)], check=False)


def build_bundle(workdir: Path) -> Path | None:
    """A busybox bundle whose process is /bin/true, config from `runsc-py spec` so that
    runc and runsc-py read the same file (terminal false, as runc needs without a tty)."""
    bundle = workdir / "bundle"
    built = subprocess.run(["bash", str(REPO / "examples" / "build-busybox-bundle.sh"),
                            str(bundle)], capture_output=True, text=True)
    if built.returncode != 0:
        return None
    (bundle / "config.json").unlink(missing_ok=True)
    if subprocess.run([*RUNSC, "spec", "--bundle", str(bundle)],
                      capture_output=True).returncode != 0:
        return None
    config = json.loads((bundle / "config.json").read_text())
    config["process"]["args"] = ["/bin/true"]
    config["process"]["terminal"] = False
    (bundle / "config.json").write_text(json.dumps(config, indent=2))
    return bundle


def workloads(progs: dict[str, Path], sizes: Sizes, workdir: Path,
              log: Callable[[str], None]) -> list[Workload]:
    archive = write_tar(workdir, sizes.tar_files)
    iterations = calibrate_spin(progs["spin"], sizes.compute_s, workdir)
    jobs = [
        Workload("start-up: /bin/true", "the run of a trivial command; in every row below",
                 lambda _: Prepared(["/bin/true"], workdir), start_up_only=True),
        Workload("python3 -c 'import json, re, ...'",
                 f"{PYTHON3}: {PY_IMPORTS.removeprefix('import ')}",
                 lambda _: Prepared([PYTHON3, "-c", PY_IMPORTS], workdir)),
        Workload(f"gcc -O1 build, {sizes.c_files} files",
                 "make -j2: gcc -O1 -c each file, then link",
                 lambda w: prepared_gcc(w, sizes.c_files)),
        Workload(f"tar -xf, {sizes.tar_files} files",
                 "20 dirs, 100-2000 B each; every column writes to memory (a tmpfs, or "
                 "runsc-py's in-memory overlay)",
                 lambda w: Prepared(["tar", "-xf", str(archive)], fresh_dir(w, "untar")),
                 writes_to_memory=True),
        Workload(f"find {sizes.find_root} -printf %s", "getdents + an lstat per entry",
                 lambda _: Prepared(["find", sizes.find_root, "-printf", "%s %m\\n"],
                                    workdir)),
        Workload(f"compute loop, {sizes.compute_s:g}s (wall)", "static C xorshift loop",
                 lambda _: Prepared([str(progs["spin"]), str(iterations)], workdir),
                 inproc_title=f"compute loop, {sizes.compute_s:g}s (in-process)"),
    ]
    bundle = build_bundle(workdir)
    if bundle is None:
        log("could not build the busybox bundle (needs Debian's busybox-static): no run row")
    else:
        counter = iter(range(1_000_000))

        def prepared_bundle(_: Path) -> Prepared:
            return Prepared(["--bundle", str(bundle), f"bench-{os.getpid()}-{next(counter)}"],
                            workdir)

        jobs.append(Workload("run /bin/true bundle", "native column: runc run; start-up only",
                             prepared_bundle, columns=("native", "seccomp", "ptrace"),
                             baseline_title="runc", argv_for=bundle_argv,
                             start_up_only=True))
    return jobs


def prepared_gcc(workdir: Path, files: int) -> Prepared:
    root = fresh_dir(workdir, "cc")
    write_c_project(root, files)
    return Prepared(["make", "-s", "-j2"], root)


def calibrate_spin(spin: Path, seconds: float, workdir: Path) -> int:
    """Iterations of spin.c that take `seconds` natively on this machine."""
    probe = 50_000_000
    outcome = execute([str(spin), str(probe)], workdir)
    ns = floats(outcome.stdout)[0]
    return max(1, int(probe * seconds * 1e9 / ns))


def bundle_argv(col: Column, args: list[str]) -> list[str] | None:
    """`run` of the bundle: runc in the native column, runsc-py run in its own columns."""
    if col.key == "native":
        return ["runc", "run", *args] if shutil.which("runc") else None
    if col.key in ("seccomp", "ptrace"):
        return [*RUNSC, "--platform", col.key, "run", *args]
    return None


def measure_workloads(cols: Sequence[Column], jobs: Sequence[Workload], sizes: Sizes,
                      workdir: Path, dead: set[str], log: Callable[[str], None]) -> list[Row]:
    memory = mount_memory_dir(workdir)
    rows = []
    for job in jobs:
        row = Row(job.title, "workload", "ms", note=job.note, baseline_title=job.baseline_title)
        inproc = Row(job.inproc_title or "", "workload", "ms",
                     note="same runs, the loop's own clock")
        for col in cols:
            if col.key not in job.columns:
                row.skipped.add(col.key)
        reps = sizes.start_reps if job.start_up_only else sizes.reps
        for _ in range(reps):  # columns interleaved: drift hits each column alike
            for col in cols:
                if col.key in row.skipped or col.key in row.errors:
                    continue
                if col.key in dead:
                    row.errors[col.key] = "skipped: an earlier run timed out"
                    continue
                on_host = col.key not in SANDBOX_COLUMNS
                prepared = job.prepare(memory if job.writes_to_memory and on_host else workdir)
                argv = (job.argv_for(col, prepared.argv) if job.argv_for
                        else col.wrap(prepared.argv))
                if argv is None:
                    row.skipped.add(col.key)
                    continue
                outcome = execute(argv, prepared.cwd)
                if prepared.cwd not in (workdir, memory):
                    shutil.rmtree(prepared.cwd, ignore_errors=True)
                if outcome.rc != 0:
                    row.errors[col.key] = failure(outcome)
                    if outcome.rc == TIMED_OUT:
                        dead.add(col.key)
                    continue
                row.samples.setdefault(col.key, []).append(outcome.wall_s * 1000.0)
                reported = floats(outcome.stdout)
                if reported:
                    inproc.samples.setdefault(col.key, []).append(reported[-1] / 1e6)
        rows.append(row)
        log(progress(row, cols))
        if job.inproc_title:
            inproc.errors, inproc.skipped = dict(row.errors), set(row.skipped)
            rows.append(inproc)
            log(progress(inproc, cols))
    return rows


# --------------------------------------------------------------------------------------
# Output


def fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def cell(row: Row, key: str) -> str:
    if key in row.errors:
        return "fail"
    if key in row.skipped or key not in row.samples:
        return "n/a"
    value, ratio = row.median(key), row.ratio(key)
    if key == "native" or ratio is None:
        return fmt(value)
    return f"{fmt(value)} ({ratio:.2f}x)" if ratio < 10 else f"{fmt(value)} ({ratio:.0f}x)"


def progress(row: Row, cols: Sequence[Column]) -> str:
    return f"  {row.name}: " + "  ".join(f"{c.key} {cell(row, c.key)}" for c in cols)


def render_table(rows: Sequence[Row], cols: Sequence[Column]) -> str:
    header = ["row", "unit", *[c.title for c in cols]]
    body = []
    for group, title in (("call", "per call (in-process loop, start-up excluded)"),
                         ("workload", "workloads (wall time, sandbox start-up counted)")):
        body.append([f"-- {title}"] + [""] * (len(header) - 1))
        for row in (r for r in rows if r.group == group):
            name = row.name + (" [vs runc]" if row.baseline_title == "runc" else "")
            body.append([name, row.unit, *[cell(row, c.key) for c in cols]])
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    widths[0] = max(len(header[0]), *(len(r[0]) for r in body if not r[0].startswith("--")))
    lines = []
    for r in [header, *body]:
        if r[0].startswith("--"):
            lines.append(r[0])
            continue
        parts = [r[0].ljust(widths[0]), r[1].ljust(widths[1])]
        parts += [v.rjust(w) for v, w in zip(r[2:], widths[2:], strict=True)]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


def render_notes(rows: Sequence[Row]) -> list[str]:
    lines = ["-- how the table handles each per-call row's syscalls (syscall_tables, this tree)"]
    width = max((len(r.name) for r in rows if r.group == "call"), default=0)
    lines += [f"{r.name:<{width}}  {r.note}" for r in rows if r.group == "call"]
    return lines


def render_floors(floors: Sequence[Floor], rows: Sequence[Row]) -> list[str]:
    lines = ["-- floors: bare C supervisors answering getppid, a bare socket hop, a read "
             "under the smallest seccomp filter, run natively (us/call), and the sentry's "
             "interpreter starting (us)"]
    for floor in floors:
        lines.append(f"{floor.title:<56} {fmt(floor.median):>8}"
                     + (f"  ({floor.error})" if floor.error else ""))
    by_key = {f.key: f.median for f in floors}
    emulated = next((r for r in rows if r.name.startswith("getuid")), None)
    if emulated:
        for col, floor_key in (("seccomp", "seccomp_sync"), ("seccomp", "seccomp_nosync"),
                               ("ptrace", "ptrace_same"), ("ptrace", "ptrace_different")):
            value, bound = emulated.median(col), by_key.get(floor_key)
            if value is not None and bound:
                lines.append(_over(f"{col} getuid / {floor_key}", value, bound))
    # A passthrough call: any seccomp filter costs the kernel's seccomp entry.
    passthrough = next((r for r in rows if r.name.startswith("read")), None)
    filter_floor = by_key.get("filter")
    if passthrough and filter_floor:
        for col in ("native", "seccomp", "ptrace"):
            value = passthrough.median(col)
            if value is not None:
                lines.append(_over(f"{col} read 1 byte / filter", value, filter_floor))
    # A path call through the gofer: at least one notification and one hop, same CPU.
    notify, hop = by_key.get("seccomp_sync"), by_key.get("hop_same")
    if notify and hop:
        for row in rows:
            value = row.median("seccomp")
            if (row.group == "call" and "gofer" in row.note and value is not None
                    and not row.name.startswith("fork")):
                lines.append(_over(f"seccomp {row.name} / (sync + hop_same)", value,
                                   notify + hop))
    # Start-up: how much of it is the interpreter's own (ms against ms).
    start = next((r for r in rows if r.name.startswith("start-up")), None)
    interpreter = by_key.get("interpreter")
    if start and interpreter:
        for col in ("seccomp", "ptrace"):
            value = start.median(col)
            if value is not None:
                lines.append(_over(f"{col} start-up (ms) / interpreter (ms)", value,
                                   interpreter / 1000))
    return lines


def _over(label: str, value: float, bound: float) -> str:
    return f"{label:<56} {fmt(value):>8} / {fmt(bound):>5} = {value / bound:.2f}x"


@dataclass(frozen=True)
class Target:
    """One target of issue 6 and the measured figure it applies to."""

    what: str
    limit: float
    measured: float | None
    net: float | None = None  # the sandbox's extra start-up (the /bin/true row) taken out


def targets(rows: Sequence[Row], floors: Sequence[Floor]) -> list[Target]:
    def ratio(prefix: str, col: str = "seccomp") -> float | None:
        row = next((r for r in rows if r.name.startswith(prefix)), None)
        return row.ratio(col) if row else None

    def net(prefix: str, col: str) -> float | None:
        row = next((r for r in rows if r.name.startswith(prefix)), None)
        start = next((r for r in rows if r.name.startswith("start-up")), None)
        if row is None or start is None:
            return None
        value, base = row.median(col), row.median("native")
        extra = (start.median(col) or 0.0) - (start.median("native") or 0.0)
        return (value - extra) / base if value is not None and base else None

    by_key = {f.key: f.median for f in floors}
    found: list[Target] = []
    emulated = next((r for r in rows if r.name.startswith("getuid")), None)
    for col, floor_key, limit in (("seccomp", "seccomp_sync", 1.15),
                                  ("ptrace", "ptrace_same", 1.30)):
        value = emulated.median(col) if emulated else None
        floor = by_key.get(floor_key)
        if col == "seccomp" or value is not None:
            found.append(Target(f"emulated call (getuid), {col} / {floor_key} floor", limit,
                                value / floor if value is not None and floor else None))
    for col in ("seccomp", "ptrace"):
        if col == "ptrace" and ratio("read", col) is None:
            continue
        found += [
            Target(f"{col}: passthrough read / native", 1.05, ratio("read", col)),
            Target(f"{col}: compute loop (in-process) / native", 1.02,
                   _inproc(rows, col)),
            Target(f"{col}: gcc build / native", 1.5, ratio("gcc", col), net("gcc", col)),
            Target(f"{col}: python3 imports / native", 1.3, ratio("python3", col),
                   net("python3", col)),
            Target(f"{col}: tar extract / native", 1.5, ratio("tar", col), net("tar", col)),
            Target(f"{col}: find walk / native", 1.5, ratio("find", col), net("find", col)),
            Target(f"{col}: run /bin/true bundle / runc run", 2.0, ratio("run ", col)),
        ]
    return found


def _inproc(rows: Sequence[Row], col: str) -> float | None:
    row = next((r for r in rows if "in-process" in r.name), None)
    return row.ratio(col) if row else None


def render_targets(found: Sequence[Target]) -> list[str]:
    lines = ["-- targets (issue 6); last column: the same ratio with the sandbox's extra "
             "start-up taken out"]
    for t in found:
        verdict = "-" if t.measured is None else ("ok" if t.measured <= t.limit else "MISS")
        measured = "-" if t.measured is None else f"{t.measured:.2f}x"
        net = "" if t.net is None else f"  (excl. start-up {t.net:.2f}x)"
        lines.append(f"{t.what:<52} <= {t.limit:.2f}x  {measured:>8}  {verdict:<4}{net}")
    return lines


# --------------------------------------------------------------------------------------
# Main


def temp_root(requested: str | None) -> Path:
    """A scratch dir on the root filesystem: `do` shows the host / under its overlay, so a
    dir on a separate mount (a tmpfs /tmp) would be invisible inside the box."""
    for candidate in ([requested] if requested else ["/var/tmp", str(REPO)]):
        path = Path(candidate)
        if path.is_dir() and path.stat().st_dev == Path("/").stat().st_dev:
            return Path(tempfile.mkdtemp(prefix="runsc-bench-", dir=path))
    raise SystemExit(f"no scratch dir on the root filesystem (tried {requested or '/var/tmp'})")


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"kernel": platform.release(), "cpus": os.cpu_count(), "cpu": model,
            "loadavg": os.getloadavg()}


def revision() -> str:
    """The tree measured: others change sentry/ and gofer/ while the bench runs."""
    try:
        return subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"],
                              capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="smaller sizes and rounds: under about a minute")
    parser.add_argument("--json", metavar="FILE", help="also write every sample as JSON")
    parser.add_argument("--tmp", metavar="DIR",
                        help="where to make the scratch dir (must be on the root filesystem)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch dir")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL

    started = time.perf_counter()

    def log(text: str) -> None:
        print(f"[{time.perf_counter() - started:4.0f}s] {text}", file=sys.stderr, flush=True)

    when = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    command = "python bench/run.py" + "".join(
        f" {shlex.quote(a)}" for a in (sys.argv[1:] if argv is None else argv))
    host = machine()
    host["revision"] = revision()
    workdir = temp_root(args.tmp)
    try:
        log(f"scratch dir {workdir}; compiling bench/*.c and the sentry's bytecode")
        compile_sentry_bytecode()
        progs = compile_programs(workdir)
        cols = detect_columns(log)
        log("per-call rows")
        dead: set[str] = set()  # columns that hung once are not waited on again
        call_rows = measure_calls(cols, progs, sizes, workdir, dead, log)
        log("floors")
        floors = measure_floors(progs, sizes, workdir, log)
        log("workloads")
        work_rows = measure_workloads(cols, workloads(progs, sizes, workdir, log), sizes,
                                      workdir, dead, log)
    finally:
        unmount_memory_dir(workdir)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    rows = [*call_rows, *work_rows]
    found = targets(rows, floors)
    elapsed = time.perf_counter() - started
    host["loadavg_end"] = os.getloadavg()
    out = [f"runsc-py bench, {when}, `{command}`, {elapsed:.0f}s, tree {host['revision']}",
           f"{host['cpus']} x {host['cpu']}, Linux {host['kernel']}, "
           f"load {host['loadavg'][0]:.2f} -> {host['loadavg_end'][0]:.2f}; "
           f"median of {sizes.call_runs} runs x {sizes.call_rounds} rounds (calls), "
           f"{sizes.floor_rounds} rounds (floors), {sizes.reps} runs (workloads; "
           f"{sizes.start_reps} of the start-up rows)",
           "", render_table(rows, cols), "", *render_notes(rows), "",
           *render_floors(floors, rows), "",
           *render_targets(found)]
    errors = [f"{r.name} [{k}]: {e}" for r in rows for k, e in r.errors.items()]
    if errors:
        out += ["", "-- failures", *errors]
    print("\n".join(out))
    if args.json:
        Path(args.json).write_text(json.dumps({
            "date": when, "command": command, "seconds": round(elapsed, 1), "machine": host,
            "sizes": sizes.__dict__, "columns": [c.key for c in cols],
            "rows": [r.to_json() for r in rows],
            "floors": [{"key": f.key, "title": f.title, "median_us": f.median,
                        "samples_us": f.samples, "error": f.error} for f in floors],
            "targets": [t.__dict__ for t in found],
        }, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
