"""What the workload must become between fork and exec, in plain values.

The CLI commands (run, do) turn an OCI config and their flags into one WorkloadPlan;
the workload side (workload.py) only executes it.
"""

from __future__ import annotations

from typing import NamedTuple

from sentry.oci.seccomp import SeccompProfile
from sentry.sandbox.rootfs import MountSpec


class CapabilitySets(NamedTuple):
    bounding: tuple[int, ...]
    effective: tuple[int, ...]
    permitted: tuple[int, ...]
    inheritable: tuple[int, ...]
    ambient: tuple[int, ...]


class WorkloadPlan(NamedTuple):
    args: tuple[str, ...]
    env: dict[str, str]
    cwd: str
    uid: int
    gid: int
    groups: tuple[int, ...]
    rootfs: str
    hostname: str
    namespace_flags: int  # CLONE_NEW* to unshare in the workload (pid is the sentry's)
    new_pid_namespace: bool
    umask: int | None = None
    rlimits: tuple[tuple[int, int, int], ...] = ()
    no_new_privileges: bool = True
    capabilities: CapabilitySets | None = None
    root_readonly: bool = False
    overlay_scratch: str | None = None  # tmpfs upper layer over `rootfs` when set
    mounts: tuple[MountSpec, ...] = ()
    masked_paths: tuple[str, ...] = ()
    readonly_paths: tuple[str, ...] = ()
    memory_limit: int | None = None
    pids_limit: int | None = None
    seccomp_profile: SeccompProfile | None = None  # linux.seccomp, under the table's filter
