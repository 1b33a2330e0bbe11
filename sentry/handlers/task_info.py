"""Reads a task's credentials and personality from /proc: the kernel's truth, which the
sentry translates into the box's view."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Credentials:
    uids: tuple[int, int, int, int]  # real, effective, saved, filesystem
    gids: tuple[int, int, int, int]
    groups: tuple[int, ...]


def task_credentials(tid: int) -> Credentials:
    fields: dict[str, list[str]] = {}
    with open(f"/proc/{tid}/status", encoding="ascii", errors="replace") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("Uid", "Gid", "Groups"):
                fields[key] = value.split()
    uids = tuple(int(v) for v in fields["Uid"])
    gids = tuple(int(v) for v in fields["Gid"])
    return Credentials(uids=uids, gids=gids,  # type: ignore[arg-type]
                       groups=tuple(int(v) for v in fields.get("Groups", [])))


def task_personality(tid: int) -> int:
    with open(f"/proc/{tid}/personality", encoding="ascii") as f:
        return int(f.read().strip(), 16)
