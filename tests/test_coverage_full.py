"""--coverage=full: every call but the kill ones reaches the sentry, and the sentry answers
passthrough and deny calls exactly as the normal filter does, so counting changes nothing
the workload can observe."""

from __future__ import annotations

import errno

import pytest
from filter_samples import AUDIT_ARCH_I386, X32_BIT, sample_args, verdict

from sentry import bpf
from sentry.coverage.full import answer_as_filter
from sentry.seccomp_filter import built_filter, intercept_notify
from syscall_tables import load_table
from syscall_tables.model import Disposition


def program(intercept_all: bool) -> list[bpf.Instruction]:
    with built_filter(load_table("x86_64"), intercept_notify(),
                      intercept_all=intercept_all) as flt:
        return bpf.decode(flt.export_bpf())


@pytest.fixture(scope="module")
def normal_filter() -> list[bpf.Instruction]:
    return program(intercept_all=False)


@pytest.fixture(scope="module")
def full_filter() -> list[bpf.Instruction]:
    return program(intercept_all=True)




def test_full_filter_sends_every_call_but_kill_to_the_sentry(full_filter):
    for entry in load_table("x86_64").entries:
        expected = "kill_process" if entry.disposition is Disposition.KILL else "notify"
        for args in sample_args(entry) if entry.arg_rules else [(0,) * 6]:
            assert verdict(full_filter, entry.number, args) == expected, entry.name


def test_full_filter_still_kills_other_architectures_and_refuses_unknown_numbers(full_filter):
    assert verdict(full_filter, 20, arch=AUDIT_ARCH_I386) == "kill_process"
    assert verdict(full_filter, 0 | X32_BIT) == "kill_process"
    unknown = max(load_table("x86_64").by_number) + 1
    assert verdict(full_filter, unknown) == f"errno({errno.ENOSYS})"


def test_sentry_answers_passthrough_and_deny_calls_as_the_normal_filter_does(normal_filter):
    for entry in load_table("x86_64").entries:
        if entry.disposition not in (Disposition.PASSTHROUGH, Disposition.DENY):
            continue
        for args in sample_args(entry) if entry.arg_rules else [(0,) * 6]:
            answer = answer_as_filter(entry, args)
            said = "allow" if answer.continue_call else f"errno({answer.errno})"
            assert said == verdict(normal_filter, entry.number, args), (entry.name, hex(args[0]))
