#!/usr/bin/env python3
"""Where a sandboxed workload's time goes: CPU per process of the run and per intercepted
call, and what the sentry and the gofer spend it on (issue 6, item 3).

    python bench/perf_profile.py [--platform P] [--top N] [--keep DIR] [--show-output] -- CMD...

Runs `runsc.py do -- CMD` under `perf record -a -g` with a `--coverage-out` record (for
the number of intercepted calls), then reads `perf script`. Every CPU is sampled: the box,
the sentry and the gofer hand each call to one another, so a CPU left idle is part of the
answer. Each sample goes to a role: the sentry (the runsc.py process), the gofer, idle
(the swapper), the box (the workload's processes) or other (the box's set-up before its
exec, the cleanup watchdog, perf). Samples of the sentry and the gofer are named by the
syscall they were in (the frame above do_syscall_64), or else by the user-space function,
or "user" where perf has no symbol for it. The window is the workload's own: from the
first to the last sample of a process named like CMD, so that start-up, reported apart,
does not blur the per-call figures.

Not a test and not a benchmark (perf slows what it samples a little): it answers where
the time goes, next to bench/run.py's how much.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLE_HZ = 4000  # perf record -F: a sample is 250 us of one CPU
GOFER_COMM = "runsc-gofer"
SYSCALL_PREFIXES = re.compile(r"^(__x64_sys_|__do_sys_|__sys_|__se_sys_|ksys_|x64_sys_)")
HEADER = re.compile(r"^(?P<comm>\S.*?)\s+(?P<pid>-?\d+)\s+(?P<time>\d+\.\d+):")
LEAF = re.compile(r"^\s*(?P<pid>-?\d+)\s+(?P<time>\d+\.\d+):\s+[0-9a-f]+\s+(?P<sym>\S+)")
NO_CHAIN = "[no call chain]"
# frames whose presence says more than the syscall alone: a cold dentry, the overlay
MARKERS = ("ovl_lookup", "__lookup_slow", "schedule")


@dataclass(frozen=True)
class Sample:
    comm: str
    pid: int
    time: float
    frames: tuple[str, ...]  # innermost first, bare symbol names


def parse_samples(script: Iterable[str]) -> Iterator[Sample]:
    """Samples from `perf script -F comm,pid,time,ip,sym` output: a header line per sample,
    then one indented `address symbol+offset` line per frame."""
    current: tuple[str, int, float] | None = None
    frames: list[str] = []
    for line in script:
        if not line.strip():
            continue
        if not line[0].isspace():
            if current:
                yield Sample(*current, tuple(frames))
            match = HEADER.match(line)
            current = (match["comm"], int(match["pid"]), float(match["time"])) if match else None
            frames = []
        elif current:
            parts = line.split(None, 1)
            if len(parts) == 2:
                frames.append(parts[1].split("+", 1)[0].split(" (", 1)[0].strip())
    if current:
        yield Sample(*current, tuple(frames))


def parse_leaves(script: Iterable[str]) -> dict[tuple[int, float], str]:
    """The function each sample was in, from `perf script -G -F pid,time,ip,sym`: for the
    samples perf recorded no call chain for (here, most of those taken where the kernel
    turns interrupts back on, after a wakeup or a context switch)."""
    leaves = {}
    for line in script:
        match = LEAF.match(line)
        if match:
            leaves[int(match["pid"]), float(match["time"])] = match["sym"]
    return leaves


def with_leaves(samples: Iterable[Sample], leaves: dict[tuple[int, float], str]) -> list[Sample]:
    return [sample if sample.frames else
            replace(sample, frames=(NO_CHAIN, leaves.get((sample.pid, sample.time), "?")))
            for sample in samples]


def role_of(sample: Sample, sentry_pid: int, workload_comm: str) -> str:
    if sample.pid == sentry_pid:
        return "sentry"
    if sample.comm == GOFER_COMM:
        return "gofer"
    if sample.pid == 0:
        return "idle"
    if sample.comm.startswith(("python", "perf")) and sample.comm != workload_comm:
        return "other"
    return "box"


def activity_of(sample: Sample) -> str:
    """The syscall the sample was in, or the user-space function; with the markers found."""
    frames = sample.frames
    if frames[:1] == (NO_CHAIN,):
        return f"{frames[1]} (no call chain)"
    if "do_syscall_64" in frames:
        index = frames.index("do_syscall_64")
        name = SYSCALL_PREFIXES.sub("", frames[index - 1]) if index else "syscall entry"
    elif "asm_exc_page_fault" in frames:
        name = "page fault"
    elif frames and not frames[0].startswith("[unknown]"):
        name = "user: " + frames[0]
    else:
        name = "user"
    marks = [marker for marker in MARKERS if marker in frames]
    return " ".join([name, *(f"+{m}" for m in marks)])


@dataclass
class Profile:
    window: tuple[float, float]
    start_up_ms: float
    roles: Counter[str]  # samples in the window
    activities: dict[str, Counter[str]]


def profile(samples: list[Sample], sentry_pid: int, workload_comm: str) -> Profile:
    mine = [s.time for s in samples if s.comm == workload_comm]
    first = min((s.time for s in samples), default=0.0)
    window = (min(mine), max(mine)) if mine else (first, max(s.time for s in samples))
    roles: Counter[str] = Counter()
    activities: dict[str, Counter[str]] = {"sentry": Counter(), "gofer": Counter()}
    for sample in samples:
        if not window[0] <= sample.time <= window[1]:
            continue
        role = role_of(sample, sentry_pid, workload_comm)
        roles[role] += 1
        if role in activities:
            activities[role][activity_of(sample)] += 1
    return Profile(window, (window[0] - first) * 1000, roles, activities)


def intercepted_calls(record: dict[str, object]) -> int:
    totals = record.get("totals")
    return int(totals.get("calls", 0)) if isinstance(totals, dict) else 0


def render(result: Profile, calls: int, top: int) -> str:
    span_ms = (result.window[1] - result.window[0]) * 1000
    ms_per_sample = 1000 / SAMPLE_HZ
    lines = [f"window {span_ms:.0f} ms (start-up before it: {result.start_up_ms:.0f} ms), "
             f"{calls} intercepted calls; CPU time of each role in the window (idle: of all "
             "CPUs, so the column adds up to the number of CPUs):",
             f"{'role':8} {'ms':>8} {'% of a CPU':>12} {'us per call':>12}"]
    for role in ("box", "sentry", "gofer", "idle", "other"):
        ms = result.roles[role] * ms_per_sample
        per_call = f"{ms * 1000 / calls:12.1f}" if calls else f"{'-':>12}"
        lines.append(f"{role:8} {ms:8.1f} {100 * ms / span_ms if span_ms else 0:11.0f}% "
                     f"{per_call}")
    for role, counter in result.activities.items():
        total = sum(counter.values())
        lines.append(f"-- {role}: {total * ms_per_sample:.0f} ms, top {top}")
        for activity, count in counter.most_common(top):
            ms = count * ms_per_sample
            per_call = f"{ms * 1000 / calls:6.2f} us/call" if calls else ""
            lines.append(f"{100 * count / total:5.1f}% {per_call}  {activity}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--platform", choices=("seccomp", "ptrace"), default="seccomp")
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--keep", type=Path, help="keep perf.data and the record here")
    parser.add_argument("--show-output", action="store_true",
                        help="let the command's stdout through (else it is discarded)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("a command to run is needed: -- CMD ARGS...")
    if not shutil.which("perf"):
        parser.error("perf is not installed (Debian: linux-perf)")
    work = Path(args.keep or tempfile.mkdtemp(prefix="runsc-profile-"))
    work.mkdir(parents=True, exist_ok=True)
    pid_file, record_file, data = work / "sentry.pid", work / "record.json", work / "perf.data"
    sandbox = [sys.executable, str(REPO / "runsc.py"), "--platform", args.platform, "do",
               "--coverage-out", str(record_file), "--", *command]
    # the sentry is the runsc.py process: its pid is the shell's, which execs it
    shell = 'echo $$ > "$0"; exec "$@"'
    subprocess.run(["perf", "record", "-a", "-g", "-F", str(SAMPLE_HZ), "-q", "-o", str(data),
                    "--", "sh", "-c", shell, str(pid_file), *sandbox],
                   stdout=None if args.show_output else subprocess.DEVNULL, check=True)
    def script(*fields: str) -> list[str]:
        return subprocess.run(["perf", "script", "-i", str(data), *fields], capture_output=True,
                              text=True, check=True).stdout.splitlines()

    samples = with_leaves(parse_samples(script("-F", "comm,pid,time,ip,sym")),
                          parse_leaves(script("-G", "-F", "pid,time,ip,sym")))
    workload_comm = Path(command[0]).name[:15]  # the kernel's comm is 15 bytes at most
    result = profile(samples, int(pid_file.read_text()), workload_comm)
    calls = intercepted_calls(json.loads(record_file.read_text()))
    print(f"{' '.join(command)} ({args.platform})")
    print(render(result, calls, args.top))
    if not args.keep:
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
