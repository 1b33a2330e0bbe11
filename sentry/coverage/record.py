"""The per-run coverage record: every syscall the sentry saw, how often, how it was
answered and with which errors, written as JSON by `--coverage-out FILE`.

The sentry sees intercepted calls (emulate, gofer) always, and with `--coverage=full` the
passthrough and deny calls too; what it could not see is listed in the record itself
("not_seen"), so a reader never mistakes "not counted" for "not made".
"""

from __future__ import annotations

import errno
import json
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from sentry.coverage import MODE_FULL, MODES
from sentry.platform.base import Response
from syscall_tables import Disposition, Support, SyscallEntry, SyscallTable

RECORD_FORMAT = "runsc-py-coverage"
RECORD_VERSION = 1

# How the sentry answered a call.
EMULATED = "emulated"  # a handler produced the result (value, errno or injected fd)
CHECKED_CONTINUED = "checked-continued"  # a handler checked it, then the kernel ran it
DENIED = "denied"  # refused with the table's errno (or an argument rule's)
CONTINUED = "passthrough-continued"  # --coverage=full: the kernel ran it as BPF ALLOW would
HANDLINGS = (EMULATED, CHECKED_CONTINUED, DENIED, CONTINUED)
# A killed call never reaches the sentry: the filter kills the box in the kernel, and the
# record's "security_violation" names the call from the kernel's audit record.


def errno_name(value: int) -> str:
    return errno.errorcode.get(value, f"errno {value}")


def handling(entry: SyscallEntry, response: Response) -> str:
    if entry.intercepted:
        return CHECKED_CONTINUED if response.continue_call else EMULATED
    return CONTINUED if response.continue_call else DENIED


class CallStats:
    """One syscall's counts in a run: in all, by handling, and by errno name."""

    def __init__(self) -> None:
        self.count = 0
        self.handled: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()


class CoverageRecorder:
    """Counts, in the sentry, every call it answers. Cheap enough to run always: one
    tuple and one dict update per call; the per-call stats are built once, at the end."""

    def __init__(self, table: SyscallTable) -> None:
        self.table = table
        # (number, handling, errno or 0) -> calls
        self.counts: dict[tuple[int, str, int], int] = {}

    def record(self, entry: SyscallEntry, response: Response, calls: int = 1) -> None:
        key = (entry.number, handling(entry, response), response.errno)
        self.counts[key] = self.counts.get(key, 0) + calls

    def stats(self) -> dict[int, CallStats]:
        """Syscall number -> its counts, for the calls that were made."""
        calls: dict[int, CallStats] = {}
        for (number, handled, err), count in self.counts.items():
            stats = calls.setdefault(number, CallStats())
            stats.count += count
            stats.handled[handled] += count
            if err:
                stats.errors[errno_name(err)] += count
        return calls


class RunFacts(NamedTuple):
    """What the runner knows about the run besides the calls."""

    mode: str
    platform: str
    command: Sequence[str]
    exit_status: int | None  # None: the workload never started
    security_violation: str | None = None
    profile_refuses: Sequence[str] = ()  # names the bundle's linux.seccomp refuses


def _entry_fields(entry: SyscallEntry) -> dict[str, Any]:
    return {"number": entry.number, "name": entry.name,
            "disposition": entry.disposition.value, "support": entry.support.value,
            "errno": errno_name(entry.errno) if entry.errno is not None else "",
            "note": entry.note}


def not_seen(table: SyscallTable, facts: RunFacts) -> list[dict[str, Any]]:
    """The calls this run could not count, by reason. Without --coverage=full those are
    every passthrough and deny call; with it, only kills, numbers the table does not know
    and what the bundle's own seccomp profile refuses in its BPF filter."""
    groups: list[dict[str, Any]] = []

    def names(disposition: Disposition) -> list[str]:
        return [e.name for e in table.entries if e.disposition is disposition]

    if facts.mode != MODE_FULL:
        groups.append({"disposition": "passthrough", "syscalls": names(Disposition.PASSTHROUGH),
                       "reason": "allowed in BPF: they run on the host kernel without reaching "
                                 "the sentry (record with --coverage=full to count them)"})
        groups.append({"disposition": "deny", "syscalls": names(Disposition.DENY),
                       "reason": "refused in BPF with their errno before the sentry sees them "
                                 "(record with --coverage=full to count them)"})
    groups.append({"disposition": "kill", "syscalls": names(Disposition.KILL),
                   "reason": "the filter kills the sandbox; a kill is reported in "
                             "security_violation, not counted"})
    if facts.profile_refuses:
        groups.append({"disposition": "profile", "syscalls": sorted(facts.profile_refuses),
                       "reason": "refused by the bundle's linux.seccomp profile in its own BPF "
                                 "filter, before the sentry sees them"})
    groups.append({"disposition": "unknown", "syscalls": [],
                   "reason": f"numbers the {table.arch} table does not know (newer kernels) fail "
                             "with ENOSYS in BPF"})
    return groups


def needs_attention(entry: SyscallEntry, stats: CallStats) -> bool:
    """A call the program needed that the sandbox does not fully support: not full
    support, or refused at least once."""
    return (entry.support is not Support.FULL
            or entry.disposition in (Disposition.DENY, Disposition.KILL)
            or stats.handled[DENIED] > 0)


def build_record(recorder: CoverageRecorder, facts: RunFacts) -> dict[str, Any]:
    """The JSON-ready record of a run: calls sorted by count, most frequent first."""
    table = recorder.table
    calls = recorder.stats()
    ordered = sorted(calls.items(), key=lambda item: (-item[1].count, item[0]))
    syscalls = []
    by_disposition: Counter[str] = Counter()
    by_handling: Counter[str] = Counter()
    attention = []
    for number, stats in ordered:
        entry = table.by_number[number]
        by_disposition[entry.disposition.value] += stats.count
        by_handling.update(stats.handled)
        fields = {**_entry_fields(entry), "count": stats.count,
                  "handled": dict(sorted(stats.handled.items())),
                  "errors": dict(sorted(stats.errors.items()))}
        syscalls.append(fields)
        if needs_attention(entry, stats):
            attention.append(fields)
    return {
        "format": RECORD_FORMAT,
        "version": RECORD_VERSION,
        "arch": table.arch,
        "platform": facts.platform,
        "mode": facts.mode,
        "command": list(facts.command),
        "exit_status": facts.exit_status,
        "security_violation": facts.security_violation,
        "totals": {
            "calls": sum(s.count for s in calls.values()),
            "syscalls": len(calls),
            "errors": sum(sum(s.errors.values()) for s in calls.values()),
            "by_disposition": {d.value: by_disposition[d.value] for d in Disposition},
            "by_handling": {h: by_handling[h] for h in HANDLINGS},
        },
        "syscalls": syscalls,
        "not_fully_supported": attention,
        "not_seen": not_seen(table, facts),
    }


def write_record(path: Path, record: dict[str, Any]) -> None:
    """Written whole or not at all: a reader never sees half a record."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


class RecordError(Exception):
    """A file that is not a coverage record; one line for the user."""


def load_record(path: Path) -> dict[str, Any]:
    """Read a record and check the fields the report and profile commands rely on."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise RecordError(f"cannot read {path}: {err.strerror or err}") from err
    except (ValueError, UnicodeDecodeError) as err:
        raise RecordError(f"{path}: not JSON ({err})") from err
    if not isinstance(data, dict) or data.get("format") != RECORD_FORMAT:
        raise RecordError(f"{path}: not a runsc-py coverage record (no \"format\": "
                          f"\"{RECORD_FORMAT}\")")
    if data.get("version") != RECORD_VERSION:
        raise RecordError(f"{path}: record version {data.get('version')!r}; this runsc-py "
                          f"reads version {RECORD_VERSION}")
    if data.get("mode") not in MODES:
        raise RecordError(f"{path}: mode must be one of {', '.join(MODES)}")
    calls = data.get("syscalls")
    if not isinstance(calls, list) or not all(
            isinstance(c, dict) and isinstance(c.get("name"), str)
            and isinstance(c.get("count"), int) for c in calls):
        raise RecordError(f"{path}: \"syscalls\" must be a list of objects with a name and a "
                          "count")
    return data
