"""Constructors for hand-written policies, so each policy line reads like a row of
gVisor's compatibility table and cannot break the table's invariants."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from .model import ArgCompare, ArgRule, Compare, Disposition, Support, SyscallEntry

# Keeps a value-list partition (one EQ rule per value in range) a small BPF program.
MAX_VALUE_SPAN = 64


class _PolicyFields(NamedTuple):
    disposition: Disposition
    support: Support
    note: str
    errno: int | None = None
    arg_rules: tuple[ArgRule, ...] = ()
    fast_path: bool = False


class Policy(_PolicyFields):
    """What the sandbox does with one syscall name; numbers come from the generated
    tables, so one policy serves every architecture that has the name. Checked when made:
    a policy that breaks the table's invariants cannot exist."""

    __slots__ = ()

    def __new__(cls, disposition: Disposition, support: Support, note: str,
                errno: int | None = None, arg_rules: tuple[ArgRule, ...] = (),
                fast_path: bool = False) -> Policy:
        if not note or "\n" in note:
            raise ValueError("a policy note is one non-empty line")
        if (errno is not None) != (disposition is Disposition.DENY):
            raise ValueError("DENY, and only DENY, carries an errno")
        if arg_rules and disposition is not Disposition.PASSTHROUGH:
            raise ValueError("argument rules apply only to PASSTHROUGH")
        if fast_path and disposition not in (Disposition.EMULATE, Disposition.GOFER):
            raise ValueError("only calls the sentry answers can take the fast path")
        return super().__new__(cls, disposition, support, note, errno, arg_rules, fast_path)

    def entry(self, number: int, name: str) -> SyscallEntry:
        return SyscallEntry(
            number=number,
            name=name,
            disposition=self.disposition,
            support=self.support,
            note=self.note,
            errno=self.errno,
            arg_rules=self.arg_rules,
            fast_path=self.fast_path,
        )


def passthrough(
    note: str, *, rules: tuple[ArgRule, ...] = (), support: Support = Support.FULL
) -> Policy:
    return Policy(Disposition.PASSTHROUGH, support, note, arg_rules=rules)


def emulate(note: str, *, support: Support = Support.FULL, fast_path: bool = False) -> Policy:
    """Answered by the sentry; `fast_path`: in C, without entering Python."""
    return Policy(Disposition.EMULATE, support, note, fast_path=fast_path)


def gofer(note: str, *, support: Support = Support.FULL, fast_path: bool = False) -> Policy:
    """Done by the gofer under the caller's credentials; the sentry injects the result.
    `fast_path`: the sentry's side runs in C (csrc/fastpath.c)."""
    return Policy(Disposition.GOFER, support, note, fast_path=fast_path)


def deny(errno: int, note: str, *, support: Support = Support.UNIMPLEMENTED) -> Policy:
    """Refused in BPF; unimplemented by default, as gVisor counts its error-only rows."""
    return Policy(Disposition.DENY, support, note, errno=errno)


def forbid_flags(arg: int, forbidden: int, errno: int) -> tuple[ArgRule, ...]:
    """Allow when `(args[arg] & forbidden) == 0`, else fail with `errno`.

    "Some forbidden bit set" is not one libseccomp comparison, so the refusal is one rule
    per bit. Those rules overlap each other when several bits are set, but they share one
    errno, so whichever libseccomp tests first gives the same answer; none of them overlaps
    the allow rule."""
    allow = ArgRule((ArgCompare(arg, Compare.MASKED_EQ, 0, mask=forbidden),))
    refuse = tuple(
        ArgRule((ArgCompare(arg, Compare.MASKED_EQ, bit, mask=bit),), errno=errno)
        for bit in (1 << i for i in range(64))
        if forbidden & bit
    )
    return (allow, *refuse)


def allow_values(arg: int, allowed: Iterable[int], errno: int) -> tuple[ArgRule, ...]:
    """Allow `args[arg]` in `allowed`, fail everything else with `errno`, as disjoint rules:
    LE below the smallest value, one EQ per value in between, GT above the largest (so
    values with high bits set are refused). One comparison per rule, as libseccomp needs."""
    values = sorted(set(allowed))
    low, high = values[0], values[-1]
    if low < 0 or high - low > MAX_VALUE_SPAN:
        raise ValueError("allowed values must be non-negative and close together")
    rules: list[ArgRule] = []
    if low > 0:
        rules.append(ArgRule((ArgCompare(arg, Compare.LE, low - 1),), errno=errno))
    for value in range(low, high + 1):
        outcome = None if value in values else errno
        rules.append(ArgRule((ArgCompare(arg, Compare.EQ, value),), errno=outcome))
    rules.append(ArgRule((ArgCompare(arg, Compare.GT, high),), errno=errno))
    return tuple(rules)
