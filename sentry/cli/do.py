"""`runsc-py do [--network none|host] [--volume HOST:BOX[:ro]] -- CMD ARGS...`: run a host
command in a sandbox, as `runsc do` does: the host `/` read-only under a writable
in-memory layer (writes vanish with the sandbox), the caller's cwd, env and uid."""

from __future__ import annotations

import argparse
import os
import socket
from pathlib import Path
from typing import Any

from sentry.cli.common import add_coverage_flags, fail, new_sandbox_id, start

NAME = "do"


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(NAME, help="run a host command in a sandbox",
                                 description=__doc__)
    parser.add_argument("--network", choices=("none", "host"), default="none",
                        help="none: a network namespace with only lo (default); host: the "
                             "host's network")
    parser.add_argument("--volume", "-v", action="append", default=[],
                        metavar="HOST:BOX[:ro]", help="bind a host path into the box")
    parser.add_argument("command", nargs=argparse.REMAINDER, metavar="-- CMD ARGS...")
    add_coverage_flags(parser)
    parser.set_defaults(execute=execute)


def parse_volume(text: str) -> dict[str, Any]:
    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(parts[:2]) or parts[2:] not in ([], ["ro"], ["rw"]):
        raise ValueError(f"--volume {text}: expected HOST:BOX or HOST:BOX:ro")
    host, box = parts[0], parts[1]
    if not os.path.isabs(box):
        raise ValueError(f"--volume {text}: the box path must be absolute")
    if not os.path.exists(host):
        raise ValueError(f"--volume {text}: {host} does not exist")
    options = ["rbind", "ro" if parts[2:] == ["ro"] else "rw"]
    return {"destination": box, "type": "bind", "source": os.path.abspath(host),
            "options": options}


def do_config(command: list[str], network: str, volumes: list[dict[str, Any]]) -> dict[str, Any]:
    """The OCI config of a `do` run, built on the default spec so the same validation
    and setup paths serve `run` and `do`."""
    from sentry.oci.defaults import default_spec

    data = default_spec(command)
    process = data["process"]
    process["env"] = [f"{k}={v}" for k, v in os.environ.items()]
    process["cwd"] = os.getcwd()
    process["user"] = {"uid": os.getuid(), "gid": os.getgid(),
                       "additionalGids": [g for g in os.getgroups() if g != os.getgid()]}
    process.pop("rlimits", None)  # keep the caller's limits
    data["root"] = {"path": "/", "readonly": False}
    data["hostname"] = socket.gethostname()
    # /sys/fs/cgroup of the default spec is left out: the host's cgroups are not the box's.
    data["mounts"] = [m for m in data["mounts"] if m["destination"] != "/sys/fs/cgroup"]
    data["mounts"] += volumes
    namespaces = [ns for ns in data["linux"]["namespaces"]
                  if ns["type"] != "network" or network == "none"]
    data["linux"] = {"namespaces": namespaces,
                     "maskedPaths": data["linux"].get("maskedPaths", []),
                     "readonlyPaths": data["linux"].get("readonlyPaths", [])}
    return data


def execute(args: argparse.Namespace) -> int:
    from sentry.oci.config import ConfigError, parse_config  # on use: see cli/main.py
    from sentry.sandbox.oci_plan import UnsupportedConfig, plan_from_config

    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        return fail("do: no command given (usage: runsc-py do [flags] -- CMD ARGS...)")
    try:
        volumes = [parse_volume(v) for v in args.volume]
    except ValueError as err:
        return fail(str(err))
    sandbox_id = new_sandbox_id()
    scratch = Path(args.root) / sandbox_id / "scratch"
    try:
        config = parse_config(do_config(command, args.network, volumes), Path("/"))
        plan = plan_from_config(config, overlay_scratch=scratch)
    except (ConfigError, UnsupportedConfig) as err:
        return fail(str(err))
    return start(args, sandbox_id, plan)
