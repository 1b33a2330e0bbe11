"""The syscall table's vocabulary: what the sandbox does with one syscall number.

One `SyscallEntry` per number of an architecture. The same entries build the BPF
filter (sentry/seccomp_filter.py), the sentry's dispatch (sentry/dispatch.py) and the
coverage report, so the three can never disagree.
"""

from __future__ import annotations

import enum
from typing import NamedTuple


class Disposition(enum.Enum):
    """Where a call runs (../shared/DESIGN.md, "Syscall dispositions")."""

    PASSTHROUGH = "passthrough"  # BPF ALLOW, possibly under argument rules
    EMULATE = "emulate"  # the sentry answers it
    GOFER = "gofer"  # the gofer does the work, the sentry injects the result
    DENY = "deny"  # BPF ERRNO with the entry's errno
    KILL = "kill"  # BPF KILL_PROCESS: a security violation


class Support(enum.Enum):
    FULL = "full"
    PARTIAL = "partial"
    UNIMPLEMENTED = "unimplemented"


class Compare(enum.Enum):
    """libseccomp's comparison operators (SCMP_CMP_*), one per argument per rule."""

    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"
    MASKED_EQ = "masked_eq"


class ArgCompare(NamedTuple):
    """`args[arg] <op> value`; for MASKED_EQ, `(args[arg] & mask) == value`."""

    arg: int
    op: Compare
    value: int
    mask: int = 0

    def matches(self, args: tuple[int, ...]) -> bool:
        a = args[self.arg] & 0xFFFF_FFFF_FFFF_FFFF
        match self.op:
            case Compare.EQ:
                return a == self.value
            case Compare.NE:
                return a != self.value
            case Compare.LT:
                return a < self.value
            case Compare.LE:
                return a <= self.value
            case Compare.GT:
                return a > self.value
            case Compare.GE:
                return a >= self.value
            case Compare.MASKED_EQ:
                return (a & self.mask) == self.value


class ArgRule(NamedTuple):
    """One argument rule of a passthrough call: if all comparisons hold, allow the call
    (errno None) or fail it with `errno`. A call's rules must not overlap and must cover
    every argument value: libseccomp lets an unconditional rule swallow conditional ones
    and falls back to the filter default for uncovered values, so the table says it all."""

    compares: tuple[ArgCompare, ...]
    errno: int | None = None

    def matches(self, args: tuple[int, ...]) -> bool:
        return all(c.matches(args) for c in self.compares)


class SyscallEntry(NamedTuple):
    """One row of the table, as gVisor keeps them: number, name, how it is handled,
    support level and a one-line note."""

    number: int
    name: str
    disposition: Disposition
    support: Support
    note: str
    errno: int | None = None  # DENY only: the errno the call fails with
    arg_rules: tuple[ArgRule, ...] = ()  # PASSTHROUGH only
    # EMULATE/GOFER only: answered by the C fast path (csrc/fastpath.c) without Python.
    fast_path: bool = False

    @property
    def intercepted(self) -> bool:
        """True when the sentry sees the call (NOTIFY / TRACE)."""
        return self.disposition in (Disposition.EMULATE, Disposition.GOFER)
