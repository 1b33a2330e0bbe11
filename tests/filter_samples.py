"""What the filter tests share: evaluating an exported BPF filter on a call, and the
argument values worth sampling for a call with argument rules."""

from __future__ import annotations

import itertools

from sentry import bpf
from sentry.seccomp_filter import AUDIT_ARCH_X86_64
from syscall_tables.model import SyscallEntry

AUDIT_ARCH_I386 = 0x40000003
X32_BIT = 0x40000000


def verdict(program: list[bpf.Instruction], nr: int, args: tuple[int, ...] = (0,) * 6,
            arch: int = AUDIT_ARCH_X86_64) -> str:
    return bpf.describe(bpf.run(program, bpf.seccomp_data(nr, arch, args)))


def sample_args(entry: SyscallEntry) -> list[tuple[int, ...]]:
    """Every value an argument rule compares with, its neighbours, and single/paired bits."""
    values = {0, 1, 0xFFFF_FFFF, 1 << 32, 2**64 - 1}
    for rule in entry.arg_rules:
        for cmp in rule.compares:
            values |= {cmp.value, cmp.value + 1, max(cmp.value - 1, 0), cmp.mask}
    bits = [1 << i for i in range(64)]
    values |= set(bits) | {a | b for a, b in itertools.combinations(bits[:32], 2)}
    return [(v, v, v, v, v, v) for v in sorted(values)]
