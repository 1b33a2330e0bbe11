"""Builds the workload's BPF filter from the syscall table with libseccomp.

The filter is the table's first enforcer: passthrough calls are allowed in the kernel at
no sentry cost, emulate/gofer calls are handed to the platform (NOTIFY or TRACE), deny
calls fail with their errno, kill calls end the sandbox. Any other architecture (i386
through `int 0x80`) and any x32 number kill the process before the table is consulted
(DESIGN rule 1). Numbers the table does not know (newer kernels) fail with ENOSYS.

With `intercept_all` (`--coverage=full`) every call but the kill ones goes to the
platform, and the sentry answers passthrough and deny calls as these rules would
(sentry/coverage/full.py), so it can count every call the workload makes.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager

from sentry.native import check, ffi, lib
from syscall_tables import SyscallTable
from syscall_tables.model import ArgRule, Compare, Disposition, SyscallEntry

UNKNOWN_SYSCALL_ACTION = lib.rsc_act_errno(errno.ENOSYS)
AUDIT_ARCH_X86_64 = 0xC000003E

_SCMP_COMPARE = {
    Compare.EQ: lib.SCMP_CMP_EQ,
    Compare.NE: lib.SCMP_CMP_NE,
    Compare.LT: lib.SCMP_CMP_LT,
    Compare.LE: lib.SCMP_CMP_LE,
    Compare.GT: lib.SCMP_CMP_GT,
    Compare.GE: lib.SCMP_CMP_GE,
    Compare.MASKED_EQ: lib.SCMP_CMP_MASKED_EQ,
}


def entry_action(entry: SyscallEntry, intercept_action: int) -> int:
    """The seccomp action for a call without argument rules."""
    match entry.disposition:
        case Disposition.PASSTHROUGH:
            return int(lib.SCMP_ACT_ALLOW)
        case Disposition.EMULATE | Disposition.GOFER:
            return intercept_action
        case Disposition.DENY:
            assert entry.errno is not None, entry.name
            return int(lib.rsc_act_errno(entry.errno))
        case Disposition.KILL:
            return int(lib.SCMP_ACT_KILL_PROCESS)


def rule_action(rule: ArgRule) -> int:
    return int(lib.SCMP_ACT_ALLOW if rule.errno is None else lib.rsc_act_errno(rule.errno))


class SeccompFilter:
    """A libseccomp context holding the table's rules; load it in the workload, or
    export it as BPF for inspection."""

    def __init__(self, table: SyscallTable, intercept_action: int, *,
                 set_no_new_privs: bool = True, intercept_all: bool = False) -> None:
        self.ctx = lib.seccomp_init(UNKNOWN_SYSCALL_ACTION)
        if self.ctx == ffi.NULL:
            raise OSError(errno.ENOMEM, "seccomp_init failed")
        self._set_attr(lib.SCMP_FLTATR_ACT_BADARCH, lib.SCMP_ACT_KILL_PROCESS)
        self._set_attr(lib.SCMP_FLTATR_CTL_NNP, int(set_no_new_privs))
        self._set_attr(lib.SCMP_FLTATR_CTL_OPTIMIZE, 2)  # binary tree: O(log n) lookups
        for entry in table.entries:
            if intercept_all and entry.disposition is not Disposition.KILL:
                self._add_rule(entry, intercept_action, None)
            else:
                self._add_entry(entry, intercept_action)

    def _set_attr(self, attr: int, value: int) -> None:
        check(lib.seccomp_attr_set(self.ctx, attr, value), "seccomp_attr_set")

    def _add_entry(self, entry: SyscallEntry, intercept_action: int) -> None:
        if entry.disposition is Disposition.PASSTHROUGH and entry.arg_rules:
            for rule in entry.arg_rules:
                self._add_rule(entry, rule_action(rule), rule)
            return
        action = entry_action(entry, intercept_action)
        if action != UNKNOWN_SYSCALL_ACTION:  # libseccomp refuses a rule equal to the default
            self._add_rule(entry, action, None)

    def _add_rule(self, entry: SyscallEntry, action: int, rule: ArgRule | None) -> None:
        compares = rule.compares if rule else ()
        array = ffi.new("struct scmp_arg_cmp[]", max(len(compares), 1))
        for slot, cmp in zip(array, compares, strict=False):
            slot.arg = cmp.arg
            slot.op = _SCMP_COMPARE[cmp.op]
            slot.datum_a = cmp.mask if cmp.op is Compare.MASKED_EQ else cmp.value
            slot.datum_b = cmp.value if cmp.op is Compare.MASKED_EQ else 0
        check(lib.seccomp_rule_add_exact_array(self.ctx, action, entry.number, len(compares),
                                               array),
              f"seccomp rule for {entry.name}")

    def load(self) -> None:
        """Install the filter on the calling thread (the workload, just before exec)."""
        check(lib.seccomp_load(self.ctx), "seccomp_load")

    def notify_fd(self) -> int:
        return check(lib.seccomp_notify_fd(self.ctx), "seccomp_notify_fd")

    def export_bpf(self) -> bytes:
        # A memfd rather than tempfile, whose import every run would pay for.
        with open(os.memfd_create("seccomp-bpf", os.MFD_CLOEXEC), "rb") as out:
            check(lib.seccomp_export_bpf(self.ctx, out.fileno()), "seccomp_export_bpf")
            out.seek(0)
            return out.read()

    def release(self) -> None:
        if self.ctx != ffi.NULL:
            lib.seccomp_release(self.ctx)
            self.ctx = ffi.NULL


@contextmanager
def built_filter(table: SyscallTable, intercept_action: int, **kwargs: bool
                 ) -> Iterator[SeccompFilter]:
    flt = SeccompFilter(table, intercept_action, **kwargs)
    try:
        yield flt
    finally:
        flt.release()


def intercept_notify() -> int:
    return int(lib.SCMP_ACT_NOTIFY)


def intercept_trace() -> int:
    return int(lib.rsc_act_trace(0))
