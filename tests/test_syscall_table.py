"""The syscall table: complete, generated from the kernel's tables, and safe to compile
into a seccomp filter (argument rules that never overlap with different outcomes)."""

from __future__ import annotations

import ast
import errno
import itertools
from collections import Counter
from pathlib import Path

import pytest

from syscall_tables import (
    ARCHES,
    ArgRule,
    Disposition,
    Support,
    SyscallTable,
    generate,
    load_table,
    policy_aarch64,
    policy_x86_64,
)
from syscall_tables.policy import Policy

TABLES = Path(generate.__file__).resolve().parent
U64 = 2**64 - 1


def tbl_rows(tbl: str, abis: set[str]) -> list[tuple[int, str]]:
    """An independent reading of a .tbl file: (number, name) of the wanted abis."""
    rows = []
    for line in (TABLES / tbl).read_text().splitlines():
        fields = line.split()
        if fields and not fields[0].startswith("#") and fields[1] in abis:
            rows.append((int(fields[0]), fields[2]))
    return rows


def outcomes(rules: tuple[ArgRule, ...], args: tuple[int, ...]) -> set[int | None]:
    """The errnos (None = allow) of every rule matching `args`."""
    return {rule.errno for rule in rules if rule.matches(args)}


def sample_values(rules: tuple[ArgRule, ...], arg: int) -> set[int]:
    """Edge values for one argument: compared values and masks +-1, single bits, pairs of
    bits, and the 32/64-bit boundaries."""
    values = {0, 0xFFFF_FFFF, 1 << 32, U64}
    for rule in rules:
        for c in rule.compares:
            if c.arg == arg:
                for v in (c.value, c.mask):
                    values.update({v - 1, v, v + 1})
    bits = [1 << i for i in range(64)]
    values.update(bits)
    values.update(a | b for a, b in itertools.combinations(bits, 2))
    return {v for v in values if 0 <= v <= U64}


def rules_by_call() -> list[object]:
    """One pytest parameter set per call with argument rules, on every architecture."""
    return [
        pytest.param(arch, e.name, e.arg_rules, id=f"{arch}-{e.name}")
        for arch in ARCHES
        for e in load_table(arch).entries
        if e.arg_rules
    ]


def test_every_x86_64_number_has_exactly_one_entry() -> None:
    table = load_table("x86_64")
    expected = tbl_rows("syscall_64.tbl", {"common", "64"})
    assert [(e.number, e.name) for e in table.entries] == sorted(expected)
    assert len(table.by_number) == len(expected) == 375


def test_every_aarch64_number_has_an_entry() -> None:
    table = load_table("aarch64")
    abis = {"common", "64", "renameat", "rlimit", "memfd_secret"}
    expected = tbl_rows("syscall_arm64_generic.tbl", abis)
    assert [(e.number, e.name) for e in table.entries] == sorted(expected)


def test_x32_numbers_are_not_in_the_x86_64_table() -> None:
    x32 = {number for number, _ in tbl_rows("syscall_64.tbl", {"x32"})}
    assert x32 and not x32 & set(load_table("x86_64").by_number)


def test_policy_file_names_each_call_once() -> None:
    tree = ast.parse(Path(policy_x86_64.__file__).read_text())
    policy = next(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and node.target.id == "POLICY"
    )
    assert isinstance(policy, ast.Dict)
    keys = [k.value for k in policy.keys if isinstance(k, ast.Constant)]
    assert len(keys) == len(policy.keys)
    assert [k for k, n in Counter(keys).items() if n > 1] == []


def test_every_policy_name_is_a_real_syscall() -> None:
    assert set(policy_x86_64.POLICY) <= set(load_table("x86_64").by_name)
    assert set(policy_aarch64.ONLY_AARCH64) <= set(load_table("aarch64").by_name)


def test_aarch64_follows_the_x86_64_policy_by_name() -> None:
    x86 = load_table("x86_64").by_name
    for entry in load_table("aarch64").entries:
        if entry.name not in policy_aarch64.ONLY_AARCH64:
            assert policy_x86_64.POLICY[entry.name].entry(entry.number, entry.name) == entry
            assert entry.name in x86


@pytest.mark.parametrize("source", generate.sources(), ids=lambda s: s.arch)
def test_generated_module_is_up_to_date(source: generate.TableSource) -> None:
    assert (TABLES / source.module).read_text() == generate.render(source)


def test_generate_rejects_a_number_listed_twice() -> None:
    with pytest.raises(ValueError, match="listed twice"):
        generate.parse_tbl("1 common a sys_a\n1 64 b sys_b\n", frozenset({"common", "64"}))


@pytest.mark.parametrize("arch", ARCHES)
def test_only_deny_entries_carry_an_errno(arch: str) -> None:
    for entry in load_table(arch).entries:
        assert (entry.errno is not None) == (entry.disposition is Disposition.DENY), entry.name


@pytest.mark.parametrize("arch", ARCHES)
def test_arg_rules_appear_only_on_passthrough(arch: str) -> None:
    for entry in load_table(arch).entries:
        if entry.arg_rules:
            assert entry.disposition is Disposition.PASSTHROUGH, entry.name


@pytest.mark.parametrize("arch", ARCHES)
def test_every_entry_has_a_one_line_note(arch: str) -> None:
    for entry in load_table(arch).entries:
        assert entry.note.strip() and "\n" not in entry.note, entry.name


def test_policy_rejects_an_errno_outside_deny() -> None:
    with pytest.raises(ValueError, match="errno"):
        Policy(Disposition.EMULATE, Support.FULL, "x", errno=errno.EPERM)


@pytest.mark.parametrize(("arch", "name", "rules"), rules_by_call())
def test_arg_rules_compare_each_argument_once(
    arch: str, name: str, rules: tuple[ArgRule, ...]
) -> None:
    for rule in rules:
        args = [c.arg for c in rule.compares]
        assert len(args) == len(set(args)), (arch, name, rule)


@pytest.mark.parametrize(("arch", "name", "rules"), rules_by_call())
def test_arg_rules_give_exactly_one_outcome_for_every_sampled_value(
    arch: str, name: str, rules: tuple[ArgRule, ...]
) -> None:
    used = sorted({c.arg for rule in rules for c in rule.compares})
    for arg in used:
        for value in sample_values(rules, arg):
            args = tuple(value if i == arg else 0 for i in range(6))
            assert len(outcomes(rules, args)) == 1, (arch, name, hex(value))
    small = [sorted(v for v in sample_values(rules, a) if v < 1 << 33)[:32] for a in used]
    for combo in itertools.product(*small):
        args = tuple(dict(zip(used, combo, strict=True)).get(i, 0) for i in range(6))
        assert len(outcomes(rules, args)) == 1, (arch, name, args)


@pytest.mark.parametrize(
    ("name", "disposition", "err"),
    [
        ("mount", Disposition.DENY, errno.EPERM),
        ("ptrace", Disposition.DENY, errno.EPERM),
        ("io_uring_setup", Disposition.DENY, errno.ENOSYS),
        ("io_uring_enter", Disposition.DENY, errno.ENOSYS),
        ("io_uring_register", Disposition.DENY, errno.ENOSYS),
        ("clone3", Disposition.DENY, errno.ENOSYS),
        ("unshare", Disposition.DENY, errno.EPERM),
        ("bpf", Disposition.DENY, errno.EPERM),
        ("open_by_handle_at", Disposition.DENY, errno.EPERM),
        ("uname", Disposition.EMULATE, None),
        ("getuid", Disposition.EMULATE, None),
        ("personality", Disposition.EMULATE, None),
        ("openat", Disposition.GOFER, None),
        ("execve", Disposition.GOFER, None),
    ],
)
def test_required_calls_have_the_required_disposition(
    name: str, disposition: Disposition, err: int | None
) -> None:
    entry = load_table("x86_64").by_name[name]
    assert (entry.disposition, entry.errno) == (disposition, err)


def clone_outcome(flags: int) -> set[int | None]:
    return outcomes(load_table("x86_64").by_name["clone"].arg_rules, (flags, 0, 0, 0, 0, 0))


def test_clone_allows_thread_and_fork_flags() -> None:
    pthread_create = 0x003D_0F00  # VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|*_TID
    fork = 0x0120_0011  # SIGCHLD|CHILD_SETTID|CHILD_CLEARTID
    assert clone_outcome(pthread_create) == {None}
    assert clone_outcome(fork) == {None}


def test_clone_refuses_each_namespace_flag_and_untraced() -> None:
    for bit in range(64):
        flag = 1 << bit
        expected = {errno.EPERM} if flag & policy_x86_64.CLONE_FORBIDDEN else {None}
        assert clone_outcome(flag) == expected, hex(flag)


def test_clone_forbidden_flags_exclude_the_exit_signal_byte() -> None:
    assert policy_x86_64.CLONE_FORBIDDEN & 0xFF == 0


def test_socket_allows_only_the_listed_families() -> None:
    rules = load_table("x86_64").by_name["socket"].arg_rules
    for domain in range(64):
        expected = None if domain in policy_x86_64.SOCKET_FAMILIES else errno.EAFNOSUPPORT
        assert outcomes(rules, (domain, 1, 0, 0, 0, 0)) == {expected}, domain


def test_socket_refuses_a_family_with_high_bits_set() -> None:
    rules = load_table("x86_64").by_name["socket"].arg_rules
    assert outcomes(rules, ((1 << 32) | 1, 1, 0, 0, 0, 0)) == {errno.EAFNOSUPPORT}


def test_seccomp_refuses_a_new_listener() -> None:
    rules = load_table("x86_64").by_name["seccomp"].arg_rules
    new_listener = policy_x86_64.SECCOMP_FILTER_FLAG_NEW_LISTENER
    assert outcomes(rules, (1, new_listener, 0, 0, 0, 0)) == {errno.EPERM}
    assert outcomes(rules, (1, 0, 0, 0, 0, 0)) == {None}


def test_no_arg_rules_on_ioctl() -> None:
    assert load_table("x86_64").by_name["ioctl"].arg_rules == ()


@pytest.mark.parametrize("arch", ARCHES)
def test_counts_add_up_to_the_number_of_entries(arch: str) -> None:
    table = load_table(arch)
    counts = table.counts()
    assert counts.total == len(table.entries)
    assert sum(counts.by_disposition.values()) == counts.total
    assert sum(counts.by_support.values()) == counts.total
    assert set(counts.by_disposition) == set(Disposition)


def test_load_table_is_cached() -> None:
    assert load_table("x86_64") is load_table("x86_64")


def test_load_table_rejects_an_unknown_arch() -> None:
    with pytest.raises(ValueError, match="unknown architecture"):
        load_table("i386")


def test_table_lookups_agree_with_entries() -> None:
    table: SyscallTable = load_table("x86_64")
    for entry in table.entries:
        assert table.by_number[entry.number] is entry
        assert table.by_name[entry.name] is entry
