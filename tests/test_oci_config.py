"""config.json parsing: what is accepted, and that every rejection names its field in one line."""

from __future__ import annotations

import json
import resource
from pathlib import Path
from typing import Any

import pytest

from sentry.oci import (
    CAPABILITY_NUMBERS,
    ConfigError,
    cap_mask,
    cap_numbers,
    default_spec,
    load_bundle,
    parse_config,
    parse_mount_options,
)
from sentry.oci.config import Mount
from sentry.oci.mountopts import (
    MS_BIND,
    MS_NODEV,
    MS_NOEXEC,
    MS_NOSUID,
    MS_PRIVATE,
    MS_RDONLY,
    MS_REC,
    MS_RELATIME,
    MS_STRICTATIME,
)


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    (tmp_path / "rootfs").mkdir()
    return tmp_path


def rejection(spec: object, bundle: Path) -> str:
    """The one-line message parse_config gives for a spec it must refuse."""
    with pytest.raises(ConfigError) as info:
        parse_config(spec, bundle)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("config.json: ")
    return message


def write_config(bundle: Path, spec: dict[str, Any]) -> None:
    (bundle / "config.json").write_text(json.dumps(spec))


# --- what is accepted -------------------------------------------------------------------


def test_default_spec_parses(bundle: Path) -> None:
    config = parse_config(default_spec(), bundle)
    assert config.process.args == ("sh",)
    assert config.process.terminal is False
    assert config.process.no_new_privileges is True
    assert config.root.readonly is True
    assert config.hostname == "runsc"
    assert [m.destination for m in config.mounts] == [
        "/proc",
        "/dev",
        "/dev/pts",
        "/dev/shm",
        "/dev/mqueue",
        "/sys",
        "/sys/fs/cgroup",
    ]
    assert [ns.type for ns in config.linux.namespaces] == [
        "pid",
        "network",
        "ipc",
        "uts",
        "mount",
        "cgroup",
    ]
    assert "/proc/kcore" in config.linux.masked_paths
    assert "/proc/sys" in config.linux.readonly_paths


def test_default_spec_runs_the_given_args(bundle: Path) -> None:
    config = parse_config(default_spec(["/bin/echo", "hi"]), bundle)
    assert config.process.args == ("/bin/echo", "hi")


def test_default_spec_is_a_fresh_dict_each_call() -> None:
    first = default_spec()
    first["process"]["capabilities"]["bounding"].append("CAP_SYS_ADMIN")
    assert "CAP_SYS_ADMIN" not in default_spec()["process"]["capabilities"]["bounding"]


def test_load_bundle_reads_config_json(bundle: Path) -> None:
    write_config(bundle, default_spec(["true"]))
    config = load_bundle(str(bundle))
    assert config.bundle == bundle
    assert config.process.args == ("true",)


def test_relative_root_path_is_resolved_against_the_bundle(
    bundle: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir("/")
    config = parse_config(default_spec(), bundle)
    assert config.root.path == (bundle / "rootfs").resolve()
    assert config.root.path.is_absolute()


def test_absolute_root_path_is_kept(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    spec = default_spec()
    spec["root"]["path"] = str(elsewhere)
    assert parse_config(spec, bundle).root.path == elsewhere.resolve()


def test_missing_optional_fields_take_their_defaults(bundle: Path) -> None:
    config = parse_config({"process": {"args": ["sh"]}, "root": {"path": "rootfs"}}, bundle)
    assert config.oci_version == "1.0.2"
    assert config.process.cwd == "/"
    assert config.process.env == ()
    assert (config.process.user.uid, config.process.user.gid) == (0, 0)
    assert config.process.capabilities is None
    assert config.hostname is None
    assert config.mounts == ()
    assert config.linux.namespaces == ()


def test_unknown_top_level_keys_are_ignored(bundle: Path) -> None:
    spec = default_spec()
    spec["annotations"] = {"org.example": "x"}
    spec["hooks"] = {"prestart": [{"path": "/bin/true"}]}
    assert parse_config(spec, bundle).process.args == ("sh",)


def test_rlimits_convert_to_resource_constants(bundle: Path) -> None:
    spec = default_spec()
    spec["process"]["rlimits"].append({"type": "RLIMIT_CORE", "soft": 0, "hard": 2**64 - 1})
    nofile, core = parse_config(spec, bundle).process.rlimits
    assert (nofile.number, nofile.soft, nofile.hard) == (resource.RLIMIT_NOFILE, 1024, 1024)
    assert (core.number, core.soft, core.hard) == (resource.RLIMIT_CORE, 0, resource.RLIM_INFINITY)


def test_capabilities_convert_to_numbers_and_masks(bundle: Path) -> None:
    caps = parse_config(default_spec(), bundle).process.capabilities
    assert caps is not None
    assert caps.inheritable == ()
    assert cap_numbers(caps.bounding) == (29, 5, 10)
    assert cap_mask(caps.effective) == (1 << 29) | (1 << 5) | (1 << 10)


def test_capability_table_runs_from_chown_to_checkpoint_restore() -> None:
    assert CAPABILITY_NUMBERS["CAP_CHOWN"] == 0
    assert CAPABILITY_NUMBERS["CAP_SETFCAP"] == 31
    assert CAPABILITY_NUMBERS["CAP_CHECKPOINT_RESTORE"] == 40
    assert len(CAPABILITY_NUMBERS) == 41


def test_namespaces_give_their_clone_flags(bundle: Path) -> None:
    linux = parse_config(default_spec(), bundle).linux
    assert linux.has_namespace("mount")
    assert not linux.has_namespace("user")
    assert linux.clone_flags == 0x20000000 | 0x40000000 | 0x08000000 | 0x04000000 | 0x20000 | (
        0x02000000
    )


def test_resource_limits_are_read_and_minus_one_means_none(bundle: Path) -> None:
    spec = default_spec()
    spec["linux"]["resources"] = {
        "memory": {"limit": 64 << 20},
        "pids": {"limit": -1},
        "cpu": {"quota": 50000, "period": 100000},
    }
    resources = parse_config(spec, bundle).linux.resources
    assert resources.memory_limit == 64 << 20
    assert resources.pids_limit is None
    assert (resources.cpu_quota, resources.cpu_period) == (50000, 100000)


def test_user_namespace_takes_id_mappings(bundle: Path) -> None:
    spec = default_spec()
    spec["linux"]["namespaces"].append({"type": "user"})
    spec["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    mapping = parse_config(spec, bundle).linux.uid_mappings[0]
    assert (mapping.container_id, mapping.host_id, mapping.size) == (0, 100000, 65536)


# --- mounts and their options -------------------------------------------------------------


def test_default_dev_mount_options_become_flags_and_data(bundle: Path) -> None:
    dev = parse_config(default_spec(), bundle).mounts[1]
    assert not dev.is_bind
    options = dev.mount_options
    assert options.flags == MS_NOSUID | MS_STRICTATIME
    assert options.data == "mode=755,size=65536k"
    assert options.propagation == 0


def test_ro_nosuid_nodev_noexec_relatime_are_flags() -> None:
    options = parse_mount_options(["ro", "nosuid", "nodev", "noexec", "relatime"])
    assert options.flags == MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME
    assert options.data == ""


def test_later_mount_option_wins() -> None:
    assert parse_mount_options(["ro", "rw"]).flags & MS_RDONLY == 0


def test_rbind_and_rprivate_split_into_flags_and_propagation() -> None:
    options = parse_mount_options(["rbind", "rprivate", "ro"])
    assert options.flags == MS_BIND | MS_REC | MS_RDONLY
    assert options.propagation == MS_PRIVATE | MS_REC


def test_unknown_mount_options_go_to_data() -> None:
    assert parse_mount_options(["nosuid", "uid=5", "weird"]).data == "uid=5,weird"


def test_bind_type_without_bind_option_still_gets_ms_bind() -> None:
    mount = Mount("/data", "bind", "/srv/data", ("ro",))
    assert mount.is_bind
    assert mount.mount_options.flags == MS_BIND | MS_RDONLY


def test_typeless_mount_with_rbind_option_is_a_bind(bundle: Path) -> None:
    (bundle / "data").mkdir()
    spec = default_spec()
    spec["mounts"].append({"destination": "/data", "source": "data", "options": ["rbind"]})
    mount = parse_config(spec, bundle).mounts[-1]
    assert mount.is_bind
    assert mount.type == "none"


def test_relative_bind_source_is_taken_from_the_bundle(bundle: Path) -> None:
    (bundle / "data").mkdir()
    spec = default_spec()
    spec["mounts"].append({"destination": "/data", "type": "bind", "source": "data"})
    assert parse_config(spec, bundle).mounts[-1].source == str(bundle / "data")


# --- rejections -------------------------------------------------------------------------


def test_missing_config_json_is_rejected_naming_config_json(bundle: Path) -> None:
    with pytest.raises(ConfigError, match=r"^config\.json: cannot read .*config\.json"):
        load_bundle(bundle)


def test_invalid_json_is_rejected_with_its_position(bundle: Path) -> None:
    (bundle / "config.json").write_text('{\n  "process": {,\n}')
    with pytest.raises(ConfigError, match=r"^config\.json: invalid JSON at line 2 column 15"):
        load_bundle(bundle)


def test_non_utf8_config_is_rejected(bundle: Path) -> None:
    (bundle / "config.json").write_bytes(b'{"hostname": "\xff"}')
    with pytest.raises(ConfigError, match=r"^config\.json: not UTF-8"):
        load_bundle(bundle)


def test_absurdly_nested_json_is_rejected_not_crashing(bundle: Path) -> None:
    (bundle / "config.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ConfigError, match="nested too deeply"):
        load_bundle(bundle)


def test_top_level_array_is_rejected(bundle: Path) -> None:
    assert "must hold a JSON object" in rejection([], bundle)


def test_unsupported_oci_version_is_rejected_naming_oci_version(bundle: Path) -> None:
    spec = default_spec()
    spec["ociVersion"] = "2.0.0"
    assert "ociVersion:" in rejection(spec, bundle)


def test_missing_process_is_rejected_naming_process(bundle: Path) -> None:
    spec = default_spec()
    del spec["process"]
    assert "config.json: process: missing" in rejection(spec, bundle)


def test_empty_args_is_rejected_naming_process_args(bundle: Path) -> None:
    spec = default_spec()
    spec["process"]["args"] = []
    message = rejection(spec, bundle)
    assert message == "config.json: process.args: must be a non-empty list of strings"


def test_more_groups_than_the_box_takes_are_rejected_naming_additional_gids(
    bundle: Path,
) -> None:
    spec = default_spec()
    spec["process"]["user"] = {"uid": 0, "gid": 0, "additionalGids": list(range(257))}
    message = rejection(spec, bundle)
    assert message.startswith("config.json: process.user.additionalGids: 257 groups; the box "
                              "takes at most 256")


def test_args_as_a_string_is_rejected_naming_process_args(bundle: Path) -> None:
    spec = default_spec()
    spec["process"]["args"] = "sh -c true"
    assert "process.args: must be a non-empty list of strings" in rejection(spec, bundle)


def test_non_string_arg_is_rejected_naming_the_entry(bundle: Path) -> None:
    spec = default_spec()
    spec["process"]["args"] = ["echo", 5]
    assert "process.args[1]: must be a string" in rejection(spec, bundle)


def test_arg_with_nul_byte_is_rejected(bundle: Path) -> None:
    spec = default_spec()
    spec["process"]["args"] = ["echo", "a\0b"]
    assert "process.args[1]: must not contain a NUL byte" in rejection(spec, bundle)


def test_string_terminal_is_rejected_naming_process_terminal(bundle: Path) -> None:
    spec = default_spec()
    spec["process"]["terminal"] = "yes"
    assert 'process.terminal: must be true or false, got "yes"' in rejection(spec, bundle)


def test_negative_uid_is_rejected_naming_process_user_uid(bundle: Path) -> None:
    spec = default_spec()
    spec["process"]["user"]["uid"] = -1
    assert "process.user.uid: must be from 0 to" in rejection(spec, bundle)


def test_fractional_gid_is_rejected_naming_process_user_gid(bundle: Path) -> None:
    spec = default_spec()
    spec["process"]["user"]["gid"] = 1.5
    assert "process.user.gid: must be an integer" in rejection(spec, bundle)


def test_boolean_uid_is_not_taken_as_an_integer(bundle: Path) -> None:
    spec = default_spec()
    spec["process"]["user"]["uid"] = True
    assert "process.user.uid: must be an integer" in rejection(spec, bundle)


def test_env_entry_without_equals_is_rejected_naming_the_entry(bundle: Path) -> None:
    spec = default_spec()
    spec["process"]["env"].append("JUSTANAME")
    assert 'process.env[2]: must be NAME=VALUE, got "JUSTANAME"' in rejection(spec, bundle)


def test_relative_cwd_is_rejected_naming_process_cwd(bundle: Path) -> None:
    spec = default_spec()
    spec["process"]["cwd"] = "tmp"
    assert "process.cwd: must be an absolute path" in rejection(spec, bundle)


def test_unknown_rlimit_is_rejected_naming_its_type(bundle: Path) -> None:
    spec = default_spec()
    spec["process"]["rlimits"][0]["type"] = "RLIMIT_BOGUS"
    assert 'process.rlimits[0].type: unknown rlimit "RLIMIT_BOGUS"' in rejection(spec, bundle)


def test_rlimit_soft_above_hard_is_rejected(bundle: Path) -> None:
    spec = default_spec()
    spec["process"]["rlimits"][0]["soft"] = 4096
    assert "process.rlimits[0].soft: 4096 is above the hard limit 1024" in rejection(spec, bundle)


def test_repeated_rlimit_is_rejected(bundle: Path) -> None:
    spec = default_spec()
    spec["process"]["rlimits"].append({"type": "RLIMIT_NOFILE", "soft": 1, "hard": 1})
    assert "process.rlimits[1].type: RLIMIT_NOFILE is set twice" in rejection(spec, bundle)


def test_unknown_capability_is_rejected_naming_its_set_and_index(bundle: Path) -> None:
    spec = default_spec()
    spec["process"]["capabilities"]["permitted"].append("CAP_FLY")
    message = rejection(spec, bundle)
    assert 'process.capabilities.permitted[3]: unknown capability "CAP_FLY"' in message


def test_missing_root_is_rejected_naming_root(bundle: Path) -> None:
    spec = default_spec()
    del spec["root"]
    assert "config.json: root: missing" in rejection(spec, bundle)


def test_missing_root_path_is_rejected_naming_root_path(bundle: Path) -> None:
    spec = default_spec()
    del spec["root"]["path"]
    assert "config.json: root.path: missing" in rejection(spec, bundle)


def test_missing_rootfs_directory_is_rejected_naming_root_path(bundle: Path) -> None:
    (bundle / "rootfs").rmdir()
    message = rejection(default_spec(), bundle)
    assert message == (
        f"config.json: root.path: rootfs directory {bundle / 'rootfs'} does not exist"
    )


def test_rootfs_that_is_a_file_is_rejected(bundle: Path) -> None:
    (bundle / "rootfs").rmdir()
    (bundle / "rootfs").write_text("")
    assert "root.path: rootfs directory" in rejection(default_spec(), bundle)


def test_non_string_hostname_is_rejected_naming_hostname(bundle: Path) -> None:
    spec = default_spec()
    spec["hostname"] = 42
    assert "config.json: hostname: must be a string, got 42" in rejection(spec, bundle)


def test_hostname_without_uts_namespace_is_rejected(bundle: Path) -> None:
    spec = default_spec()
    spec["linux"]["namespaces"] = [{"type": "pid"}, {"type": "mount"}]
    assert "hostname: setting it needs a uts namespace" in rejection(spec, bundle)


def test_unknown_mount_type_is_rejected_naming_the_mount(bundle: Path) -> None:
    spec = default_spec()
    spec["mounts"][2]["type"] = "nfs"
    assert 'mounts[2].type: unknown mount type "nfs"' in rejection(spec, bundle)


def test_none_mount_type_without_bind_option_is_rejected(bundle: Path) -> None:
    spec = default_spec()
    spec["mounts"].append({"destination": "/x", "type": "none", "source": "/"})
    assert 'mounts[7].type: "none" is only allowed with a bind' in rejection(spec, bundle)


def test_typeless_mount_without_bind_option_is_rejected(bundle: Path) -> None:
    spec = default_spec()
    spec["mounts"].append({"destination": "/x", "source": "/"})
    assert "mounts[7].type: missing" in rejection(spec, bundle)


def test_relative_mount_destination_is_rejected_naming_it(bundle: Path) -> None:
    spec = default_spec()
    spec["mounts"][0]["destination"] = "proc"
    assert "mounts[0].destination: must be an absolute path" in rejection(spec, bundle)


def test_bind_mount_with_missing_source_path_is_rejected(bundle: Path) -> None:
    spec = default_spec()
    spec["mounts"].append({"destination": "/data", "type": "bind", "source": "nowhere"})
    assert "mounts[7].source: bind source" in rejection(spec, bundle)


def test_unknown_namespace_type_is_rejected_naming_it(bundle: Path) -> None:
    spec = default_spec()
    spec["linux"]["namespaces"][0]["type"] = "pids"
    assert 'linux.namespaces[0].type: unknown namespace type "pids"' in rejection(spec, bundle)


def test_namespace_path_is_rejected_as_unsupported(bundle: Path) -> None:
    spec = default_spec()
    spec["linux"]["namespaces"][1]["path"] = "/proc/1/ns/net"
    message = rejection(spec, bundle)
    assert "linux.namespaces[1].path: joining an existing namespace is not supported" in message


def test_repeated_namespace_is_rejected(bundle: Path) -> None:
    spec = default_spec()
    spec["linux"]["namespaces"].append({"type": "pid"})
    assert "linux.namespaces[6].type: the pid namespace is listed twice" in rejection(spec, bundle)


def test_string_memory_limit_is_rejected_naming_it(bundle: Path) -> None:
    spec = default_spec()
    spec["linux"]["resources"]["memory"] = {"limit": "64M"}
    assert "linux.resources.memory.limit: must be an integer" in rejection(spec, bundle)


def test_cpu_period_out_of_kernel_range_is_rejected(bundle: Path) -> None:
    spec = default_spec()
    spec["linux"]["resources"]["cpu"] = {"period": 10}
    assert "linux.resources.cpu.period: must be from 1000 to 1000000" in rejection(spec, bundle)


def test_uid_mappings_without_user_namespace_are_rejected(bundle: Path) -> None:
    spec = default_spec()
    spec["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 1000, "size": 1}]
    assert "linux.uidMappings: given, but" in rejection(spec, bundle)


def test_masked_path_must_be_absolute(bundle: Path) -> None:
    spec = default_spec()
    spec["linux"]["maskedPaths"].append("proc/kcore")
    assert "linux.maskedPaths[10]: must be an absolute path" in rejection(spec, bundle)
