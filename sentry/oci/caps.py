"""Linux capability names and numbers, so config.json's CAP_* names can be checked at parse
time and handed to prctl/capset as numbers (include/uapi/linux/capability.h, 0..40)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

_NAMES = (
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
)

CAPABILITY_NUMBERS: Mapping[str, int] = MappingProxyType(
    {name: number for number, name in enumerate(_NAMES)}
)
"""CAP_* name -> capability number; the highest is CAP_LAST_CAP."""

CAP_LAST_CAP = len(_NAMES) - 1


def cap_numbers(names: Iterable[str]) -> tuple[int, ...]:
    """Capability numbers for validated CAP_* names (e.g. for PR_CAPBSET_DROP, ambient raise)."""
    return tuple(CAPABILITY_NUMBERS[name] for name in names)


def cap_mask(names: Iterable[str]) -> int:
    """The 64-bit capability set for CAP_* names, as capset(2) takes it (low word, high word)."""
    mask = 0
    for number in cap_numbers(names):
        mask |= 1 << number
    return mask
