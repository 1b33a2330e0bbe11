"""Reads a task's credentials, namespace pids and personality from /proc: the kernel's
truth, which the sentry translates into the box's view."""

from __future__ import annotations

from typing import NamedTuple


class Credentials(NamedTuple):
    uids: tuple[int, int, int, int]  # real, effective, saved, filesystem
    gids: tuple[int, int, int, int]
    groups: tuple[int, ...]
    cap_effective: int
    cap_permitted: int
    umask: int
    host_tgid: int
    box_tgid: int  # the process id as the box's pid namespace numbers it
    box_tid: int


def task_credentials(tid: int) -> Credentials:
    fields: dict[bytes, list[bytes]] = {}
    # Binary: parsing must not depend on codecs (and is faster).
    with open(f"/proc/{tid}/status", "rb") as status:
        for line in status:
            key, _, value = line.partition(b":")
            fields[key] = value.split()
    if b"Umask" not in fields:  # a task that is exiting shows only part of its status
        raise ProcessLookupError(tid, "task is exiting")
    uids = tuple(int(v) for v in fields[b"Uid"])
    gids = tuple(int(v) for v in fields[b"Gid"])
    return Credentials(uids=uids, gids=gids,  # type: ignore[arg-type]
                       groups=tuple(int(v) for v in fields.get(b"Groups", [])),
                       cap_effective=int(fields[b"CapEff"][0], 16),
                       cap_permitted=int(fields[b"CapPrm"][0], 16),
                       umask=int(fields[b"Umask"][0], 8), host_tgid=int(fields[b"Tgid"][0]),
                       box_tgid=int(fields[b"NStgid"][-1]), box_tid=int(fields[b"NSpid"][-1]))


def task_personality(tid: int) -> int:
    with open(f"/proc/{tid}/personality", "rb") as f:
        return int(f.read().strip(), 16)
