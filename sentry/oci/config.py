"""Parse and validate an OCI bundle's config.json (runtime-spec 1.x) into typed records.

Everything is checked here, before anything starts (DESIGN.md, rule 6): the CLI prints a
ConfigError's one-line message and exits 1, and the sandbox setup can trust every field it
gets. Only what the sandbox implements is read; other keys (annotations, hooks, ...) are
ignored. JSON null counts as absent, as it does for runc.

The records are NamedTuples rather than frozen dataclasses: as immutable and as typed, but a
frozen dataclass exec()s six generated methods when its class is created, about half a
millisecond each class, and every `runsc-py run` pays for the import. The other records on
the run path (mount options, the seccomp profile, the plan, the run options) do the same.
"""

from __future__ import annotations

import errno
import json
import os
import re
import resource
import stat
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from gofer.protocol import MAX_GROUPS
from sentry.oci.caps import CAPABILITY_NUMBERS
from sentry.oci.mountopts import BIND_OPTIONS, MS_BIND, MountOptions, parse_mount_options
from sentry.oci.seccomp import ProfileError, SeccompProfile, parse_seccomp

DEFAULT_OCI_VERSION = "1.0.2"
UID_MAX = 2**32 - 2  # (uid_t)-1 means "leave unchanged" to the set*id calls
HOST_NAME_MAX = 64  # bytes, as sethostname(2) takes them
_U32_MAX = 2**32 - 1
_S64_MAX = 2**63 - 1
_RLIM_INFINITY_OCI = 2**64 - 1  # "unlimited" as config.json writes it (uint64)
_CPU_PERIOD_US = (1000, 1_000_000)  # what the kernel's CFS bandwidth control accepts

NAMESPACE_CLONE_FLAGS: Mapping[str, int] = MappingProxyType(
    {
        "pid": 0x20000000,  # CLONE_NEWPID
        "network": 0x40000000,  # CLONE_NEWNET
        "mount": 0x00020000,  # CLONE_NEWNS
        "ipc": 0x08000000,  # CLONE_NEWIPC
        "uts": 0x04000000,  # CLONE_NEWUTS
        "user": 0x10000000,  # CLONE_NEWUSER
        "cgroup": 0x02000000,  # CLONE_NEWCGROUP
        "time": 0x00000080,  # CLONE_NEWTIME
    }
)
"""OCI namespace type -> its CLONE_NEW* flag (Python 3.11's os module has none of them)."""

MOUNT_TYPES = frozenset({"proc", "tmpfs", "bind", "sysfs", "devpts", "mqueue", "cgroup", "cgroup2"})
"""Mount types the sandbox sets up; "none" is also accepted for a bind mount."""

RLIMITS: Mapping[str, int] = MappingProxyType(
    {name: getattr(resource, name) for name in dir(resource) if name.startswith("RLIMIT_")}
)
"""RLIMIT_* name -> resource constant, for the limits Python's resource module can set."""


class ConfigError(Exception):
    """A config.json the sandbox will not run; str() is one line that names the field."""

    def __init__(self, field: str | None, problem: str) -> None:
        self.field = field
        self.problem = problem
        where = f"{field}: " if field else ""
        message = f"config.json: {where}{problem}"
        super().__init__(message.replace("\n", "\\n").replace("\r", "\\r"))


class User(NamedTuple):
    """Who the workload runs as."""

    uid: int
    gid: int
    additional_gids: tuple[int, ...] = ()
    umask: int | None = None  # None: leave the inherited umask


class Rlimit(NamedTuple):
    """One resource limit; soft and hard are ready for resource.setrlimit (unlimited is
    resource.RLIM_INFINITY)."""

    type: str  # RLIMIT_* name, a key of RLIMITS
    soft: int
    hard: int

    @property
    def number(self) -> int:
        """The resource module's constant for this limit."""
        return RLIMITS[self.type]


class Capabilities(NamedTuple):
    """The five capability sets, as validated CAP_* names (see caps.cap_numbers, cap_mask).

    The kernel raises an ambient capability only if it is also permitted and inheritable.
    """

    bounding: tuple[str, ...] = ()
    effective: tuple[str, ...] = ()
    inheritable: tuple[str, ...] = ()
    permitted: tuple[str, ...] = ()
    ambient: tuple[str, ...] = ()


class Process(NamedTuple):
    """The workload to start."""

    args: tuple[str, ...]  # non-empty, args[0] non-empty
    env: tuple[str, ...] = ()  # NAME=VALUE entries
    cwd: str = "/"  # absolute, inside the rootfs
    user: User = User(0, 0)
    rlimits: tuple[Rlimit, ...] = ()  # at most one per resource
    no_new_privileges: bool = False
    capabilities: Capabilities | None = None  # None: config.json did not say
    terminal: bool = False


class Root(NamedTuple):
    """The rootfs: an existing directory, absolute with symlinks resolved."""

    path: Path
    readonly: bool = False


class Mount(NamedTuple):
    """One mount to make inside the sandbox, in config.json order."""

    destination: str  # absolute, inside the rootfs
    type: str  # one of MOUNT_TYPES, or "none" for a bind mount
    source: str | None = None  # for a bind mount: an existing host path, absolute
    options: tuple[str, ...] = ()

    @property
    def is_bind(self) -> bool:
        """True for a bind mount: type "bind", or a bind/rbind option whatever the type."""
        return self.type == "bind" or any(option in BIND_OPTIONS for option in self.options)

    @property
    def mount_options(self) -> MountOptions:
        """The options as mount(2) flags, propagation and data; MS_BIND set for any bind
        mount, as runc does for type "bind" without a bind option."""
        parsed = parse_mount_options(self.options)
        if self.is_bind and not parsed.flags & MS_BIND:
            return MountOptions(parsed.flags | MS_BIND, parsed.propagation, parsed.data)
        return parsed


class Namespace(NamedTuple):
    """A new namespace to create."""

    type: str  # a key of NAMESPACE_CLONE_FLAGS
    path: str | None = None  # always None: joining an existing namespace is rejected

    @property
    def clone_flag(self) -> int:
        """The CLONE_NEW* flag for clone/unshare."""
        return NAMESPACE_CLONE_FLAGS[self.type]


class IdMapping(NamedTuple):
    """One line of /proc/<pid>/uid_map or gid_map."""

    container_id: int
    host_id: int
    size: int


class Resources(NamedTuple):
    """cgroup limits; None means no limit (config.json's -1 and 0 too)."""

    memory_limit: int | None = None  # bytes
    pids_limit: int | None = None
    cpu_quota: int | None = None  # microseconds per cpu_period
    cpu_period: int | None = None  # microseconds, 1000..1000000


class Linux(NamedTuple):
    """The Linux-specific part of the config."""

    namespaces: tuple[Namespace, ...] = ()  # no type twice
    resources: Resources = Resources()
    masked_paths: tuple[str, ...] = ()  # absolute
    readonly_paths: tuple[str, ...] = ()  # absolute
    uid_mappings: tuple[IdMapping, ...] = ()  # only with a user namespace
    gid_mappings: tuple[IdMapping, ...] = ()  # only with a user namespace
    seccomp: SeccompProfile | None = None  # layered under the syscall table's own filter

    def has_namespace(self, ns_type: str) -> bool:
        """Whether config.json asks for a new namespace of this type."""
        return any(namespace.type == ns_type for namespace in self.namespaces)

    @property
    def clone_flags(self) -> int:
        """The CLONE_NEW* flags of all the namespaces, or-ed together."""
        flags = 0
        for namespace in self.namespaces:
            flags |= namespace.clone_flag
        return flags


class BundleConfig(NamedTuple):
    """A validated config.json and the bundle it came from."""

    bundle: Path  # absolute
    oci_version: str
    process: Process
    root: Root
    hostname: str | None  # None: leave it (config.json's "" too); set only with a uts namespace
    mounts: tuple[Mount, ...]
    linux: Linux


def load_bundle(bundle_dir: str | os.PathLike[str]) -> BundleConfig:
    """Read and validate <bundle_dir>/config.json."""
    bundle = Path(os.path.abspath(bundle_dir))
    path = bundle / "config.json"
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ConfigError(None, f"cannot read {path}: {e.strerror or e}") from e
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as e:
        raise ConfigError(None, f"invalid JSON at line {e.lineno} column {e.colno}: {e.msg}") from e
    except UnicodeDecodeError as e:
        raise ConfigError(None, f"not UTF-8 text (byte {e.start}: {e.reason})") from e
    except RecursionError as e:
        raise ConfigError(None, "invalid JSON: nested too deeply") from e
    return parse_config(data, bundle)


def parse_config(data: object, bundle_dir: Path) -> BundleConfig:
    """Validate config.json's contents, or a dict built in memory (as `do` builds one);
    relative paths in it are taken from bundle_dir."""
    bundle = Path(os.path.abspath(bundle_dir))
    if not isinstance(data, dict):
        raise ConfigError(None, f"must hold a JSON object, got {_got(data)}")
    linux = _parse_linux(data.get("linux"))
    return BundleConfig(
        bundle=bundle,
        oci_version=_parse_version(data.get("ociVersion")),
        process=_parse_process(data.get("process")),
        root=_parse_root(data.get("root"), bundle),
        hostname=_parse_hostname(data.get("hostname"), linux),
        mounts=tuple(
            _parse_mount(item, f"mounts[{i}]", bundle)
            for i, item in enumerate(_array(data.get("mounts"), "mounts"))
        ),
        linux=linux,
    )


def _parse_version(value: object) -> str:
    if value is None:
        return DEFAULT_OCI_VERSION
    version = _string(value, "ociVersion")
    if not re.match(r"1\.\d+", version):
        raise ConfigError("ociVersion", f"{_got(version)} is not runtime-spec 1.x")
    return version


def _parse_process(value: object) -> Process:
    if value is None:
        raise ConfigError("process", "missing: it says what to run")
    obj = _object(value, "process")
    args = obj.get("args")
    if not isinstance(args, list) or not args:
        raise ConfigError("process.args", "must be a non-empty list of strings")
    if not _string(args[0], "process.args[0]"):
        raise ConfigError("process.args[0]", "the program to run must not be empty")
    env = _strings(obj.get("env"), "process.env")
    for i, entry in enumerate(env):
        if "=" not in entry[1:]:
            raise ConfigError(f"process.env[{i}]", f"must be NAME=VALUE, got {_got(entry)}")
    cwd = obj.get("cwd")
    return Process(
        args=_strings(args, "process.args"),
        env=env,
        cwd="/" if cwd is None else _abs_path(cwd, "process.cwd"),
        user=_parse_user(obj.get("user")),
        rlimits=_parse_rlimits(obj.get("rlimits")),
        no_new_privileges=_bool(obj.get("noNewPrivileges"), "process.noNewPrivileges"),
        capabilities=_parse_capabilities(obj.get("capabilities")),
        terminal=_bool(obj.get("terminal"), "process.terminal"),
    )


def _parse_user(value: object) -> User:
    if value is None:
        return User(0, 0)
    obj = _object(value, "process.user")
    umask = obj.get("umask")
    gids = _array(obj.get("additionalGids"), "process.user.additionalGids")
    if len(gids) > MAX_GROUPS:
        raise ConfigError("process.user.additionalGids",
                          f"{len(gids)} groups; the box takes at most {MAX_GROUPS} (every gofer "
                          "request carries its caller's groups: gofer/PROTOCOL.md)")
    return User(
        uid=_id(obj.get("uid"), "process.user.uid"),
        gid=_id(obj.get("gid"), "process.user.gid"),
        additional_gids=tuple(
            _id(gid, f"process.user.additionalGids[{i}]") for i, gid in enumerate(gids)
        ),
        umask=None if umask is None else _int(umask, "process.user.umask", 0, 0o777),
    )


def _id(value: object, field: str) -> int:
    """A uid or gid; absent means 0 (root), as runc reads it."""
    return 0 if value is None else _int(value, field, 0, UID_MAX)


def _parse_rlimits(value: object) -> tuple[Rlimit, ...]:
    rlimits: list[Rlimit] = []
    seen: set[int] = set()
    for i, item in enumerate(_array(value, "process.rlimits")):
        field = f"process.rlimits[{i}]"
        obj = _object(item, field)
        name = _string(_require(obj, "type", field), f"{field}.type")
        if name not in RLIMITS:
            raise ConfigError(f"{field}.type", f"unknown rlimit {_got(name)}")
        if RLIMITS[name] in seen:
            raise ConfigError(f"{field}.type", f"{name} is set twice")
        seen.add(RLIMITS[name])
        soft = _rlim(_require(obj, "soft", field), f"{field}.soft")
        hard = _rlim(_require(obj, "hard", field), f"{field}.hard")
        if soft > hard:
            raise ConfigError(f"{field}.soft", f"{soft} is above the hard limit {hard}")
        rlimits.append(Rlimit(name, _setrlimit_value(soft), _setrlimit_value(hard)))
    return tuple(rlimits)


def _rlim(value: object, field: str) -> int:
    """A limit as config.json writes it: up to 2**63-1 (what setrlimit can take from Python),
    or 2**64-1 for unlimited."""
    limit = _int(value, field, 0, _RLIM_INFINITY_OCI)
    if _S64_MAX < limit < _RLIM_INFINITY_OCI:
        raise ConfigError(
            field, f"must be at most {_S64_MAX}, or {_RLIM_INFINITY_OCI} for unlimited"
        )
    return limit


def _setrlimit_value(limit: int) -> int:
    return resource.RLIM_INFINITY if limit == _RLIM_INFINITY_OCI else limit


def _parse_capabilities(value: object) -> Capabilities | None:
    if value is None:
        return None
    obj = _object(value, "process.capabilities")
    sets: dict[str, tuple[str, ...]] = {}
    for name in ("bounding", "effective", "inheritable", "permitted", "ambient"):
        field = f"process.capabilities.{name}"
        sets[name] = _strings(obj.get(name), field)
        for i, cap in enumerate(sets[name]):
            if cap not in CAPABILITY_NUMBERS:
                raise ConfigError(f"{field}[{i}]", f"unknown capability {_got(cap)}")
    return Capabilities(**sets)


def _parse_root(value: object, bundle: Path) -> Root:
    if value is None:
        raise ConfigError("root", "missing: it names the rootfs directory")
    obj = _object(value, "root")
    path = _string(_require(obj, "path", "root"), "root.path")
    if not path:
        raise ConfigError("root.path", "must not be empty")
    rootfs = Path(os.path.realpath(bundle / path))
    _check_exists(rootfs, "root.path", "rootfs directory", directory=True)
    return Root(rootfs, _bool(obj.get("readonly"), "root.readonly"))


def _parse_hostname(value: object, linux: Linux) -> str | None:
    if value is None:
        return None
    hostname = _string(value, "hostname")
    if len(hostname.encode()) > HOST_NAME_MAX:
        raise ConfigError("hostname", f"longer than {HOST_NAME_MAX} bytes")
    if hostname and not linux.has_namespace("uts"):
        raise ConfigError("hostname", "setting it needs a uts namespace in linux.namespaces")
    return hostname or None


def _parse_mount(value: object, field: str, bundle: Path) -> Mount:
    obj = _object(value, field)
    destination = _abs_path(_require(obj, "destination", field), f"{field}.destination")
    options = _strings(obj.get("options"), f"{field}.options")
    bind_option = any(option in BIND_OPTIONS for option in options)
    raw_type = obj.get("type")
    if raw_type is None and not bind_option:
        raise ConfigError(
            f"{field}.type", "missing: only a bind mount (bind or rbind option) may leave it out"
        )
    mount_type = "none" if raw_type is None else _string(raw_type, f"{field}.type")
    if mount_type == "none" and not bind_option:
        raise ConfigError(f"{field}.type", '"none" is only allowed with a bind or rbind option')
    if mount_type != "none" and mount_type not in MOUNT_TYPES:
        raise ConfigError(
            f"{field}.type",
            f"unknown mount type {_got(mount_type)} (supported: {', '.join(sorted(MOUNT_TYPES))})",
        )
    raw_source = obj.get("source")
    source = None if raw_source is None else _string(raw_source, f"{field}.source")
    if mount_type == "bind" or bind_option:
        if not source:
            raise ConfigError(f"{field}.source", "missing: a bind mount needs the host path")
        source = os.path.join(bundle, source)
        _check_exists(Path(source), f"{field}.source", "bind source", directory=False)
    return Mount(destination, mount_type, source, options)


def _parse_linux(value: object) -> Linux:
    if value is None:
        return Linux()
    obj = _object(value, "linux")
    namespaces = _parse_namespaces(obj.get("namespaces"))
    uid_mappings = _parse_id_mappings(obj.get("uidMappings"), "linux.uidMappings")
    gid_mappings = _parse_id_mappings(obj.get("gidMappings"), "linux.gidMappings")
    user_namespace = any(namespace.type == "user" for namespace in namespaces)
    if uid_mappings and not user_namespace:
        raise ConfigError("linux.uidMappings", "given, but linux.namespaces has no user namespace")
    if gid_mappings and not user_namespace:
        raise ConfigError("linux.gidMappings", "given, but linux.namespaces has no user namespace")
    return Linux(
        namespaces=namespaces,
        resources=_parse_resources(obj.get("resources")),
        masked_paths=_abs_paths(obj.get("maskedPaths"), "linux.maskedPaths"),
        readonly_paths=_abs_paths(obj.get("readonlyPaths"), "linux.readonlyPaths"),
        uid_mappings=uid_mappings,
        gid_mappings=gid_mappings,
        seccomp=_parse_seccomp(obj.get("seccomp")),
    )


def _parse_seccomp(value: object) -> SeccompProfile | None:
    try:
        return parse_seccomp(value)
    except ProfileError as e:
        raise ConfigError(e.field, e.problem) from e


def _parse_namespaces(value: object) -> tuple[Namespace, ...]:
    namespaces: list[Namespace] = []
    for i, item in enumerate(_array(value, "linux.namespaces")):
        field = f"linux.namespaces[{i}]"
        obj = _object(item, field)
        ns_type = _string(_require(obj, "type", field), f"{field}.type")
        if ns_type not in NAMESPACE_CLONE_FLAGS:
            known = ", ".join(NAMESPACE_CLONE_FLAGS)
            raise ConfigError(
                f"{field}.type", f"unknown namespace type {_got(ns_type)} (known: {known})"
            )
        if any(namespace.type == ns_type for namespace in namespaces):
            raise ConfigError(f"{field}.type", f"the {ns_type} namespace is listed twice")
        path = obj.get("path")
        if path is not None and _string(path, f"{field}.path"):
            raise ConfigError(
                f"{field}.path",
                f"joining an existing namespace is not supported;"
                f" leave out path to get a new {ns_type} namespace",
            )
        namespaces.append(Namespace(ns_type))
    return tuple(namespaces)


def _parse_id_mappings(value: object, field: str) -> tuple[IdMapping, ...]:
    mappings: list[IdMapping] = []
    for i, item in enumerate(_array(value, field)):
        where = f"{field}[{i}]"
        obj = _object(item, where)
        container_id = _int(
            _require(obj, "containerID", where), f"{where}.containerID", 0, _U32_MAX
        )
        host_id = _int(_require(obj, "hostID", where), f"{where}.hostID", 0, _U32_MAX)
        size = _int(_require(obj, "size", where), f"{where}.size", 1, _U32_MAX)
        if max(container_id, host_id) + size - 1 > _U32_MAX:
            raise ConfigError(f"{where}.size", f"the range runs past {_U32_MAX}")
        mappings.append(IdMapping(container_id, host_id, size))
    return tuple(mappings)


def _parse_resources(value: object) -> Resources:
    if value is None:
        return Resources()
    obj = _object(value, "linux.resources")
    memory = _section(obj, "memory", "linux.resources.memory")
    pids = _section(obj, "pids", "linux.resources.pids")
    cpu = _section(obj, "cpu", "linux.resources.cpu")
    quota = _limit(cpu.get("quota"), "linux.resources.cpu.quota")
    if quota is not None and quota < _CPU_PERIOD_US[0]:
        raise ConfigError(
            "linux.resources.cpu.quota",
            f"must be at least {_CPU_PERIOD_US[0]} microseconds, or -1 for no limit",
        )
    period = cpu.get("period")
    return Resources(
        memory_limit=_limit(memory.get("limit"), "linux.resources.memory.limit"),
        pids_limit=_limit(pids.get("limit"), "linux.resources.pids.limit"),
        cpu_quota=quota,
        cpu_period=None
        if period is None
        else _int(period, "linux.resources.cpu.period", *_CPU_PERIOD_US),
    )


def _section(obj: dict[str, object], key: str, field: str) -> dict[str, object]:
    """An optional sub-object; absent reads as empty."""
    value = obj.get(key)
    return {} if value is None else _object(value, field)


def _limit(value: object, field: str) -> int | None:
    """A cgroup limit: a positive number, or -1 / 0 (or absent) for none."""
    if value is None:
        return None
    limit = _int(value, field, -1, _S64_MAX)
    return limit if limit > 0 else None


def _check_exists(path: Path, field: str, what: str, *, directory: bool) -> None:
    try:
        mode = os.stat(path).st_mode
    except OSError as e:
        if e.errno in (errno.ENOENT, errno.ENOTDIR):
            raise ConfigError(field, f"{what} {path} does not exist") from e
        raise ConfigError(field, f"cannot use {what} {path}: {e.strerror or e}") from e
    if directory and not stat.S_ISDIR(mode):
        raise ConfigError(field, f"{what} {path} is not a directory")


def _got(value: object) -> str:
    """A short one-line picture of a bad value, for an error message."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _object(value: object, field: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise ConfigError(field, f"must be an object, got {_got(value)}")
    return value


def _require(obj: dict[str, object], key: str, where: str) -> object:
    """obj[key], which must be there; `where` is obj's own field path."""
    value = obj.get(key)
    if value is None:
        raise ConfigError(f"{where}.{key}", "missing")
    return value


def _array(value: object, field: str) -> list[object]:
    """An optional array; absent reads as empty."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConfigError(field, f"must be an array, got {_got(value)}")
    return value


def _string(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(field, f"must be a string, got {_got(value)}")
    if "\0" in value:
        raise ConfigError(field, "must not contain a NUL byte")
    return value


def _strings(value: object, field: str) -> tuple[str, ...]:
    return tuple(_string(item, f"{field}[{i}]") for i, item in enumerate(_array(value, field)))


def _abs_path(value: object, field: str) -> str:
    path = _string(value, field)
    if not path.startswith("/"):
        raise ConfigError(field, f"must be an absolute path, got {_got(path)}")
    return path


def _abs_paths(value: object, field: str) -> tuple[str, ...]:
    return tuple(_abs_path(item, f"{field}[{i}]") for i, item in enumerate(_array(value, field)))


def _bool(value: object, field: str) -> bool:
    """An optional boolean; absent reads as false."""
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ConfigError(field, f"must be true or false, got {_got(value)}")
    return value


def _int(value: object, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(field, f"must be an integer, got {_got(value)}")
    if not low <= value <= high:
        raise ConfigError(field, f"must be from {low} to {high}, got {value}")
    return value
