"""Process credentials from the OCI config: rlimits, uid/gid/groups and capabilities.

Order matters: rlimits need CAP_SYS_RESOURCE to raise hard limits, uid changes clear
capabilities unless PR_SET_KEEPCAPS is set, and the bounding set can only be lowered
while CAP_SETPCAP is still held."""

from __future__ import annotations

import contextlib
import functools
import os
import resource
from collections.abc import Iterable

from sentry import native

PR_CAPBSET_DROP = 24
PR_SET_KEEPCAPS = 8
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_RAISE = 2
PR_CAP_AMBIENT_CLEAR_ALL = 4
PR_SET_NO_NEW_PRIVS = 38


@functools.cache
def last_capability() -> int:
    # Binary: after pivot_root the host's codec modules can no longer be imported.
    with open("/proc/sys/kernel/cap_last_cap", "rb") as f:
        return int(f.read())


def mask(numbers: Iterable[int]) -> int:
    result = 0
    for n in numbers:
        result |= 1 << n
    return result


def apply_rlimits(limits: Iterable[tuple[int, int, int]]) -> None:
    """(resource, soft, hard) triples; values past RLIM_INFINITY mean unlimited."""
    for which, soft, hard in limits:
        resource.setrlimit(which, (_limit(soft), _limit(hard)))


def _limit(value: int) -> int:
    return resource.RLIM_INFINITY if value < 0 or value >= 2**63 - 1 else value


def switch_user(uid: int, gid: int, groups: Iterable[int], umask: int | None) -> None:
    """Become uid/gid, keeping the permitted capabilities for apply_capabilities."""
    native.prctl(PR_SET_KEEPCAPS, 1)
    os.setgroups(list(groups))
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if umask is not None:
        os.umask(umask)


def apply_capabilities(bounding: Iterable[int], effective: Iterable[int],
                       permitted: Iterable[int], inheritable: Iterable[int],
                       ambient: Iterable[int]) -> None:
    keep = set(bounding)
    for cap in range(last_capability() + 1):
        if cap not in keep:
            native.prctl(PR_CAPBSET_DROP, cap)
    native.capset(mask(effective), mask(permitted), mask(inheritable))
    native.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    for cap in ambient:
        # The kernel raises an ambient cap only if it is permitted and inheritable;
        # runc's default spec lists ambient caps without an inheritable set.
        with contextlib.suppress(PermissionError):
            native.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap)


def set_no_new_privs() -> None:
    native.prctl(PR_SET_NO_NEW_PRIVS, 1)
