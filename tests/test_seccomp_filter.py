"""The BPF filter the kernel enforces says exactly what the syscall table says.

The filter is built with libseccomp from the table, exported as BPF, and evaluated here
with a classic-BPF interpreter for every number (and sampled arguments), so the table,
the filter and the coverage report cannot disagree."""

from __future__ import annotations

import errno

import pytest
from filter_samples import AUDIT_ARCH_I386, X32_BIT, sample_args, verdict

from sentry import bpf
from sentry.seccomp_filter import built_filter, intercept_notify
from syscall_tables import load_table
from syscall_tables.model import Disposition, SyscallEntry


@pytest.fixture(scope="module")
def program() -> list[bpf.Instruction]:
    with built_filter(load_table("x86_64"), intercept_notify()) as flt:
        return bpf.decode(flt.export_bpf())



def expected(entry: SyscallEntry, args: tuple[int, ...]) -> str:
    match entry.disposition:
        case Disposition.PASSTHROUGH if entry.arg_rules:
            outcomes = {r.errno for r in entry.arg_rules if r.matches(args)}
            assert len(outcomes) == 1, (entry.name, args)
            outcome = outcomes.pop()
            return "allow" if outcome is None else f"errno({outcome})"
        case Disposition.PASSTHROUGH:
            return "allow"
        case Disposition.EMULATE | Disposition.GOFER:
            return "notify"
        case Disposition.DENY:
            return f"errno({entry.errno})"
        case Disposition.KILL:
            return "kill_process"
    raise AssertionError(entry)



def test_every_number_without_arg_rules_gets_the_tables_action(program):
    for entry in load_table("x86_64").entries:
        if not entry.arg_rules:
            assert verdict(program, entry.number) == expected(entry, (0,) * 6), entry.name


def test_arg_rules_in_the_filter_match_the_table_for_sampled_arguments(program):
    for entry in load_table("x86_64").entries:
        for args in sample_args(entry) if entry.arg_rules else []:
            assert verdict(program, entry.number, args) == expected(entry, args), (
                entry.name, hex(args[0]))


def test_numbers_the_table_does_not_know_fail_with_enosys(program):
    known = load_table("x86_64").by_number
    for nr in range(0, 1024):
        if nr not in known:
            assert verdict(program, nr) == f"errno({errno.ENOSYS})", nr


def test_i386_calls_kill_the_process(program):
    assert verdict(program, 20, arch=AUDIT_ARCH_I386) == "kill_process"  # getpid via int 0x80


def test_x32_numbers_kill_the_process(program):
    assert verdict(program, X32_BIT | 39) == "kill_process"
    assert verdict(program, X32_BIT | 0x200) == "kill_process"


def test_clone_with_a_namespace_flag_is_refused_with_eperm(program):
    clone = load_table("x86_64").by_name["clone"]
    assert verdict(program, clone.number, (0x11 | 0x20000000,)) == f"errno({errno.EPERM})"


def test_clone_for_a_thread_is_allowed(program):
    clone = load_table("x86_64").by_name["clone"]
    assert verdict(program, clone.number, (0x3D0F00,)) == "allow"  # glibc pthread_create


def test_emulated_calls_go_to_the_sentry(program):
    uname = load_table("x86_64").by_name["uname"]
    assert verdict(program, uname.number) == "notify"
