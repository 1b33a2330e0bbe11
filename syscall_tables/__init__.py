"""The syscall table as data: one `SyscallEntry` per syscall number of an architecture.

Numbers come from the kernel's tables (numbers_<arch>.py, generated), dispositions from
the hand-written policies (policy_<arch>.py). The BPF filter, the sentry's dispatch and
the coverage report all read `load_table`, so they cannot disagree.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

from .model import ArgCompare, ArgRule, Compare, Disposition, Support, SyscallEntry
from .policy import Policy

__all__ = [
    "ARCHES",
    "ArgCompare",
    "ArgRule",
    "Compare",
    "Disposition",
    "Support",
    "SyscallEntry",
    "SyscallTable",
    "TableCounts",
    "load_table",
]

ARCHES: tuple[str, ...] = ("x86_64", "aarch64")


def _sources(arch: str) -> tuple[tuple[tuple[int, str], ...], Mapping[str, Policy]]:
    """The generated numbers and the policy of `arch`, imported only when asked for: a
    sandbox run needs one architecture, and start-up time counts."""
    numbers = importlib.import_module(f"{__name__}.numbers_{arch}")
    policy = importlib.import_module(f"{__name__}.policy_{arch}")
    return numbers.SYSCALLS, policy.POLICY


class TableCounts(NamedTuple):
    """How many entries per disposition and per support level (every level listed, zeros
    included), for the static coverage report."""

    total: int
    by_disposition: Mapping[Disposition, int]
    by_support: Mapping[Support, int]


class SyscallTable:
    """Every syscall number of one architecture with its entry; read-only once built."""

    def __init__(self, arch: str, entries: tuple[SyscallEntry, ...]) -> None:
        numbers = [e.number for e in entries]
        if numbers != sorted(set(numbers)):
            raise ValueError("entries must be sorted by number, one per number")
        by_name = {e.name: e for e in entries}
        if len(by_name) != len(entries):
            raise ValueError("a syscall name appears twice")
        self.arch = arch
        self.entries = entries
        self.by_number: Mapping[int, SyscallEntry] = MappingProxyType(
            {e.number: e for e in entries})
        self.by_name: Mapping[str, SyscallEntry] = MappingProxyType(by_name)

    def __repr__(self) -> str:
        return f"SyscallTable({self.arch!r}, {len(self.entries)} entries)"

    def counts(self) -> TableCounts:
        return TableCounts(
            total=len(self.entries),
            by_disposition=MappingProxyType(
                {d: sum(e.disposition is d for e in self.entries) for d in Disposition}
            ),
            by_support=MappingProxyType(
                {s: sum(e.support is s for e in self.entries) for s in Support}
            ),
        )


@functools.cache
def load_table(arch: str = "x86_64") -> SyscallTable:
    """The table of `arch` ("x86_64" or "aarch64"); built once per process.

    Raises ValueError for an unknown architecture or a number without a policy."""
    if arch not in ARCHES:
        raise ValueError(f"unknown architecture {arch!r}; known: {', '.join(ARCHES)}")
    numbers, policy = _sources(arch)
    missing = [name for _, name in numbers if name not in policy]
    if missing:
        raise ValueError(f"{arch}: no policy for {', '.join(missing)}")
    return SyscallTable(arch, tuple(policy[name].entry(number, name) for number, name in numbers))
