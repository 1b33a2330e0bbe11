"""OCI bundles: config.json parsed and checked into typed records before anything starts."""

from sentry.oci.caps import CAPABILITY_NUMBERS, cap_mask, cap_numbers
from sentry.oci.config import (
    BundleConfig,
    Capabilities,
    ConfigError,
    IdMapping,
    Linux,
    Mount,
    Namespace,
    Process,
    Resources,
    Rlimit,
    Root,
    User,
    load_bundle,
    parse_config,
)
from sentry.oci.defaults import default_spec
from sentry.oci.mountopts import MountOptions, parse_mount_options

__all__ = [
    "CAPABILITY_NUMBERS",
    "BundleConfig",
    "Capabilities",
    "ConfigError",
    "IdMapping",
    "Linux",
    "Mount",
    "MountOptions",
    "Namespace",
    "Process",
    "Resources",
    "Rlimit",
    "Root",
    "User",
    "cap_mask",
    "cap_numbers",
    "default_spec",
    "load_bundle",
    "parse_config",
    "parse_mount_options",
]
