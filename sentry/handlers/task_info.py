"""Reads a task's credentials, namespace pids and personality from /proc: the kernel's
truth, which the sentry translates into the box's view."""

from __future__ import annotations

from typing import NamedTuple

from sentry.native import ffi, lib


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
    """From the C fast paths' per-thread cache (csrc/task_cache.c: /proc/TID/status read
    once per thread, checked live with a pidfd, forgotten on every credential change and
    exec)."""
    task = ffi.new("struct task *")
    if lib.rsc_task_of(tid, task) < 0:
        raise ProcessLookupError(tid, "task is gone or exiting")
    return Credentials(uids=tuple(task.uid), gids=tuple(task.gid),  # type: ignore[arg-type]
                       groups=tuple(task.groups[0:task.ngroups]),
                       cap_effective=task.cap_eff, cap_permitted=task.cap_prm,
                       umask=task.umask, host_tgid=task.host_tgid, box_tgid=task.box_tgid,
                       box_tid=task.box_tid)


def task_personality(tid: int) -> int:
    with open(f"/proc/{tid}/personality", "rb") as f:
        return int(f.read().strip(), 16)
