"""`runsc-py coverage profile`: the minimal OCI `linux.seccomp` profile a run teaches.

It allows every call the run made and refuses all others with EPERM, in the
runtime-spec format (defaultAction, architectures, syscalls with names and action), so it
drops into any bundle's config.json, runsc-py's or runc's.

Calls the sandbox refused during the run (deny) are allowed too: the profile is layered
on the table and can only take calls away, so allowing them changes nothing, while
refusing them would change their errno (EPERM for the table's ENOSYS) and could stop a
program that falls back on ENOSYS. Only a `--coverage=full` record saw every call; a
profile from any other would refuse what the run needed.
"""

from __future__ import annotations

import errno
from typing import Any

from sentry.coverage import MODE_FULL

SCMP_ARCHES = {"x86_64": "SCMP_ARCH_X86_64", "aarch64": "SCMP_ARCH_AARCH64"}


class ProfileUnavailable(Exception):
    """A record a profile cannot be learned from; one line for the user."""


def learn_profile(record: dict[str, Any]) -> dict[str, Any]:
    """The `linux.seccomp` object allowing exactly the calls in `record`."""
    if record["mode"] != MODE_FULL:
        raise ProfileUnavailable(
            f"the record was made with --coverage={record['mode']}: it did not see "
            "passthrough calls, and a profile from it would refuse them; record the run "
            "again with --coverage=full")
    arch = record.get("arch")
    if arch not in SCMP_ARCHES:
        raise ProfileUnavailable(f"unknown architecture {arch!r} in the record")
    names = sorted({call["name"] for call in record["syscalls"]})
    return {
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": errno.EPERM,
        "architectures": [SCMP_ARCHES[arch]],
        "syscalls": [{"names": names, "action": "SCMP_ACT_ALLOW"}],
    }
