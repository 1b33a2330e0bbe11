"""config.json's `linux.seccomp` (runtime-spec config-linux.md#seccomp), validated.

runsc-py loads the profile as a second filter under the table's own, so the kernel's
filter precedence layers them: a call runs only if both allow it, and the profile can
take calls away but never adds one the table refuses (sentry/seccomp_profile.py).
Errors name the field, as config.py's do; config.py turns them into ConfigError.
"""

from __future__ import annotations

import errno
from typing import NamedTuple

# Actions the profile may use. SCMP_ACT_NOTIFY would need listenerPath (another
# supervisor), and SCMP_ACT_TRACE would send calls to the ptrace platform's sentry as if
# the table had intercepted them; both are refused with a clear message.
ACTIONS = frozenset({"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
                     "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_LOG", "SCMP_ACT_ALLOW"})
UNSUPPORTED_ACTIONS = frozenset({"SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE"})
OPERATORS = frozenset({"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
                       "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"})
# libseccomp's names; only the native one is filtered by the profile, since the table's
# filter kills every other architecture before the profile is consulted.
ARCHITECTURES = frozenset({
    "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
    "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
    "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
    "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC",
    "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64"})
FLAGS = frozenset({"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                   "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"})
DEFAULT_ERRNO = errno.EPERM  # runc's default for SCMP_ACT_ERRNO without errnoRet
_U64_MAX = 2**64 - 1
_ERRNO_MAX = 4095


class ProfileError(Exception):
    """A profile field that is wrong: `field` names it (linux.seccomp.syscalls[2].action)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class ArgCondition(NamedTuple):
    """`args[arg] <op> value`; for SCMP_CMP_MASKED_EQ, `(args[arg] & value) == value_two`
    (`arg` is the OCI condition's `index`, a name a tuple keeps for itself)."""

    arg: int
    op: str
    value: int
    value_two: int = 0


class SyscallRule(NamedTuple):
    names: tuple[str, ...]
    action: str
    errno_ret: int | None = None  # for SCMP_ACT_ERRNO; None: the default
    args: tuple[ArgCondition, ...] = ()


class SeccompProfile(NamedTuple):
    default_action: str
    default_errno_ret: int | None = None
    architectures: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    syscalls: tuple[SyscallRule, ...] = ()


def parse_seccomp(value: object, field: str = "linux.seccomp") -> SeccompProfile | None:
    """The validated profile, or None when config.json has none (absent or null)."""
    if value is None:
        return None
    obj = _object(value, field)
    if obj.get("listenerPath") is not None:
        raise ProfileError(f"{field}.listenerPath",
                           "seccomp notification listeners are not supported (the sentry "
                           "holds the box's only listener)")
    return SeccompProfile(
        default_action=_action(obj.get("defaultAction"), f"{field}.defaultAction",
                               required=True),
        default_errno_ret=_errno(obj.get("defaultErrnoRet"), f"{field}.defaultErrnoRet"),
        architectures=_names(obj.get("architectures"), f"{field}.architectures",
                             ARCHITECTURES),
        flags=_names(obj.get("flags"), f"{field}.flags", FLAGS),
        syscalls=tuple(_rule(item, f"{field}.syscalls[{i}]")
                       for i, item in enumerate(_array(obj.get("syscalls"),
                                                       f"{field}.syscalls"))),
    )


def _rule(value: object, field: str) -> SyscallRule:
    obj = _object(value, field)
    names = tuple(_string(item, f"{field}.names[{i}]")
                  for i, item in enumerate(_array(obj.get("names"), f"{field}.names")))
    if not names:
        raise ProfileError(f"{field}.names", "missing or empty")
    return SyscallRule(
        names=names,
        action=_action(obj.get("action"), f"{field}.action", required=True),
        errno_ret=_errno(obj.get("errnoRet"), f"{field}.errnoRet"),
        args=tuple(_condition(item, f"{field}.args[{i}]")
                   for i, item in enumerate(_array(obj.get("args"), f"{field}.args"))),
    )


def _condition(value: object, field: str) -> ArgCondition:
    obj = _object(value, field)
    op = _string(obj.get("op"), f"{field}.op")
    if op not in OPERATORS:
        raise ProfileError(f"{field}.op", f"unknown operator {op!r}")
    return ArgCondition(arg=_int(obj.get("index"), f"{field}.index", 0, 5),
                        op=op,
                        value=_int(obj.get("value"), f"{field}.value", 0, _U64_MAX),
                        value_two=_int(obj.get("valueTwo", 0), f"{field}.valueTwo", 0,
                                       _U64_MAX))


def _action(value: object, field: str, *, required: bool) -> str:
    if value is None and required:
        raise ProfileError(field, "missing")
    action = _string(value, field)
    if action in UNSUPPORTED_ACTIONS:
        raise ProfileError(field, f"{action} is not supported by runsc-py")
    if action not in ACTIONS:
        raise ProfileError(field, f"unknown action {action!r}")
    return action


def _errno(value: object, field: str) -> int | None:
    return None if value is None else _int(value, field, 0, _ERRNO_MAX)


def _names(value: object, field: str, known: frozenset[str]) -> tuple[str, ...]:
    names = tuple(_string(item, f"{field}[{i}]") for i, item in enumerate(_array(value, field)))
    for i, name in enumerate(names):
        if name not in known:
            raise ProfileError(f"{field}[{i}]", f"unknown value {name!r}")
    return names


def _object(value: object, field: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise ProfileError(field, "must be an object")
    return value


def _array(value: object, field: str) -> list[object]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ProfileError(field, "must be an array")
    return value


def _string(value: object, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise ProfileError(field, "must be a non-empty string")
    return value


def _int(value: object, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProfileError(field, "must be an integer")
    if not low <= value <= high:
        raise ProfileError(field, f"must be from {low} to {high}, got {value}")
    return value
