"""The bundle's `linux.seccomp` profile as a second BPF filter, layered under the table's.

The workload loads it right after the table's filter (and after handing over the notify
fd, so the profile need not allow the sandbox's own hand-off calls). The kernel runs
every filter on every call and takes the strictest answer (KILL > TRAP > ERRNO > NOTIFY
> TRACE > LOG > ALLOW), so:

- a call the table refuses stays refused whatever the profile says: the profile can
  only take calls away, never add one;
- a call the profile refuses fails with the profile's errno, even one the sentry would
  emulate (ERRNO wins over NOTIFY);
- a call both refuse with an errno gets the profile's errno (the newest filter wins a
  tie), which is why a learned profile allows the calls the table denied during the run.

Syscall names the table does not know are skipped, as runc skips names libseccomp does
not know: profiles are written for many kernels. Argument conditions follow runc: several
conditions on the same argument are alternatives (one rule each), otherwise all must hold.
"""

from __future__ import annotations

import errno
from collections import Counter
from collections.abc import Iterator

from sentry.native import ffi, lib
from sentry.oci.seccomp import DEFAULT_ERRNO, ArgCondition, ProfileError, SeccompProfile
from syscall_tables import SyscallTable

_OPERATORS = {
    "SCMP_CMP_NE": lib.SCMP_CMP_NE,
    "SCMP_CMP_LT": lib.SCMP_CMP_LT,
    "SCMP_CMP_LE": lib.SCMP_CMP_LE,
    "SCMP_CMP_EQ": lib.SCMP_CMP_EQ,
    "SCMP_CMP_GE": lib.SCMP_CMP_GE,
    "SCMP_CMP_GT": lib.SCMP_CMP_GT,
    "SCMP_CMP_MASKED_EQ": lib.SCMP_CMP_MASKED_EQ,
}
ALLOWING = frozenset({"SCMP_ACT_ALLOW", "SCMP_ACT_LOG"})


def action_value(action: str, errno_ret: int | None) -> int:
    """libseccomp's action value for a profile action name (names as validated by
    sentry/oci/seccomp.py)."""
    match action:
        case "SCMP_ACT_ALLOW":
            return int(lib.SCMP_ACT_ALLOW)
        case "SCMP_ACT_LOG":
            return int(lib.SCMP_ACT_LOG)
        case "SCMP_ACT_ERRNO":
            return int(lib.rsc_act_errno(DEFAULT_ERRNO if errno_ret is None else errno_ret))
        case "SCMP_ACT_TRAP":
            return int(lib.SCMP_ACT_TRAP)
        case "SCMP_ACT_KILL_PROCESS":
            return int(lib.SCMP_ACT_KILL_PROCESS)
        case "SCMP_ACT_KILL" | "SCMP_ACT_KILL_THREAD":
            return int(lib.SCMP_ACT_KILL_THREAD)
    raise ValueError(f"unknown seccomp action {action!r}")


def condition_sets(args: tuple[ArgCondition, ...]) -> Iterator[tuple[ArgCondition, ...]]:
    """One rule's conditions as libseccomp rules, the way runc adds them."""
    per_index = Counter(cond.arg for cond in args)
    if any(count > 1 for count in per_index.values()):
        yield from ((cond,) for cond in args)
    else:
        yield args


def refused_names(profile: SeccompProfile, table: SyscallTable) -> list[str]:
    """The table's calls the profile refuses, for some arguments at least: what a coverage
    record cannot see, since the profile's filter answers them in the kernel."""
    allowed: set[str] = set()
    refused: set[str] = set()
    for rule in profile.syscalls:
        (allowed if rule.action in ALLOWING else refused).update(rule.names)
    default_refuses = profile.default_action not in ALLOWING
    return sorted(entry.name for entry in table.entries
                  if entry.name in refused or (default_refuses and entry.name not in allowed))


MARK_ARG = 5  # the platform's own calls carry its mark in the sixth argument


def _unless_marked(conditions: tuple[ArgCondition, ...], mark: int
                   ) -> tuple[ArgCondition, ...]:
    if any(cond.arg == MARK_ARG for cond in conditions):
        return conditions  # one comparison per argument; these calls never set it anyway
    return (*conditions, ArgCondition(MARK_ARG, "SCMP_CMP_NE", mark))


class ProfileFilter:
    """A libseccomp context holding the profile; build it before any filter is loaded
    (building makes syscalls), load it after the table's."""

    def __init__(self, profile: SeccompProfile, table: SyscallTable,
                 field: str = "linux.seccomp", *, platform_calls: tuple[str, ...] = (),
                 platform_mark: int = 0) -> None:
        """`platform_calls` are the calls the platform itself runs in the workload (the
        ptrace platform's fd delivery), marked with `platform_mark` in their unused sixth
        argument: the profile lets exactly those through, since they are not the
        workload's own. libseccomp lets an unconditional rule swallow a conditional one,
        so the profile's refusing rules for these calls get "args[5] != mark" added."""
        default = action_value(profile.default_action, profile.default_errno_ret)
        self.ctx = lib.seccomp_init(default)
        if self.ctx == ffi.NULL:
            raise OSError(errno.ENOMEM, "seccomp_init failed")
        try:
            # Other architectures never get here: the table's filter kills them first.
            self._attr(lib.SCMP_FLTATR_ACT_BADARCH, lib.SCMP_ACT_KILL_PROCESS, field)
            # no_new_privs is the table filter's business (set, or CAP_SYS_ADMIN kept).
            self._attr(lib.SCMP_FLTATR_CTL_NNP, 0, field)
            for index, rule in enumerate(profile.syscalls):
                action = action_value(rule.action, rule.errno_ret)
                if action == default:
                    continue  # libseccomp refuses a rule equal to the default; runc skips it
                refuses = rule.action not in ALLOWING
                for name in rule.names:
                    entry = table.by_name.get(name)
                    if entry is not None:
                        for conditions in condition_sets(rule.args):
                            if refuses and name in platform_calls:
                                conditions = _unless_marked(conditions, platform_mark)
                            self._add(entry.number, action, conditions,
                                      f"{field}.syscalls[{index}]", name)
            if profile.default_action not in ALLOWING:
                marked = (ArgCondition(MARK_ARG, "SCMP_CMP_EQ", platform_mark),)
                for name in platform_calls:
                    self._add(table.by_name[name].number, int(lib.SCMP_ACT_ALLOW), marked,
                              field, name)
        except BaseException:
            self.release()
            raise

    def _attr(self, attr: int, value: int, field: str) -> None:
        ret = lib.seccomp_attr_set(self.ctx, attr, value)
        if ret < 0:
            raise ProfileError(field, f"libseccomp: {errno.errorcode.get(-ret, -ret)}")

    def _add(self, number: int, action: int, conditions: tuple[ArgCondition, ...],
             field: str, name: str) -> None:
        array = ffi.new("struct scmp_arg_cmp[]", max(len(conditions), 1))
        for slot, cond in zip(array, conditions, strict=False):
            slot.arg = cond.arg
            slot.op = _OPERATORS[cond.op]
            slot.datum_a = cond.value
            slot.datum_b = cond.value_two
        ret = lib.seccomp_rule_add_array(self.ctx, action, number, len(conditions), array)
        if ret < 0:
            raise ProfileError(field, f"libseccomp refused the rule for {name}: "
                                      f"{errno.errorcode.get(-ret, str(-ret))}")

    def load(self) -> None:
        """Install the profile on the calling thread, under the table's filter."""
        ret = lib.seccomp_load(self.ctx)
        if ret < 0:
            raise OSError(-ret, "seccomp_load (linux.seccomp profile)")

    def release(self) -> None:
        if self.ctx != ffi.NULL:
            lib.seccomp_release(self.ctx)
            self.ctx = ffi.NULL


def check_profile(profile: SeccompProfile, table: SyscallTable) -> None:
    """Build and drop the profile's filter, so a profile libseccomp refuses is reported
    with the config's other errors, before anything starts; raises ProfileError."""
    ProfileFilter(profile, table).release()
