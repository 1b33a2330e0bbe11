"""Turns a validated OCI config into the plan the workload executes."""

from __future__ import annotations

from pathlib import Path

from sentry.oci.caps import cap_numbers
from sentry.oci.config import BundleConfig
from sentry.oci.seccomp import ProfileError
from sentry.sandbox.namespaces import CLONE_NEWNS, CLONE_NEWPID, SUPPORTED_NAMESPACES
from sentry.sandbox.plan import CapabilitySets, WorkloadPlan
from sentry.sandbox.rootfs import MountSpec
from sentry.seccomp_profile import check_profile
from syscall_tables import load_table

DEFAULT_HOSTNAME = "runsc"


class UnsupportedConfig(Exception):
    """A valid config asking for something runsc-py does not do; one line."""


def plan_from_config(config: BundleConfig, overlay_scratch: Path | None = None) -> WorkloadPlan:
    for index, namespace in enumerate(config.linux.namespaces):
        if namespace.type not in SUPPORTED_NAMESPACES:
            raise UnsupportedConfig(f"config.json: linux.namespaces[{index}].type: "
                                    f"{namespace.type} namespaces are not supported")
    if config.linux.seccomp is not None:
        try:
            check_profile(config.linux.seccomp, load_table("x86_64"))
        except ProfileError as err:
            raise UnsupportedConfig(f"config.json: {err}") from err
    process = config.process
    caps = process.capabilities
    flags = config.linux.clone_flags
    return WorkloadPlan(
        args=process.args,
        env=dict(entry.split("=", 1) for entry in process.env),
        cwd=process.cwd,
        uid=process.user.uid,
        gid=process.user.gid,
        groups=process.user.additional_gids,
        umask=process.user.umask,
        rootfs=str(config.root.path),
        hostname=config.hostname or DEFAULT_HOSTNAME,
        # The sentry always pivots the workload in a mount namespace of its own.
        namespace_flags=(flags & ~CLONE_NEWPID) | CLONE_NEWNS,
        new_pid_namespace=bool(flags & CLONE_NEWPID),
        rlimits=tuple((r.number, r.soft, r.hard) for r in process.rlimits),
        no_new_privileges=process.no_new_privileges,
        capabilities=None if caps is None else CapabilitySets(
            bounding=cap_numbers(caps.bounding), effective=cap_numbers(caps.effective),
            permitted=cap_numbers(caps.permitted), inheritable=cap_numbers(caps.inheritable),
            ambient=cap_numbers(caps.ambient)),
        root_readonly=config.root.readonly,
        overlay_scratch=str(overlay_scratch) if overlay_scratch else None,
        mounts=tuple(MountSpec(destination=m.destination, type=m.type, source=m.source,
                               options=m.options, is_bind=m.is_bind) for m in config.mounts),
        masked_paths=config.linux.masked_paths,
        readonly_paths=config.linux.readonly_paths,
        memory_limit=config.linux.resources.memory_limit,
        pids_limit=config.linux.resources.pids_limit,
        seccomp_profile=config.linux.seccomp,
    )
