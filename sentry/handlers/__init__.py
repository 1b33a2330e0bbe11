"""Python syscall handlers, grouped by domain as gVisor groups them (sys_identity,
sys_utsname, ...). Each handler is registered under its syscall name; the table says
which names are intercepted, and a test checks both sides name the same calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from sentry.gofer_client import GoferClient
from sentry.platform.base import Platform, Response, SyscallEvent
from syscall_tables.model import SyscallEntry


class SandboxInfo(NamedTuple):
    """What handlers may know about the sandbox they answer for."""

    hostname: str
    gofer: GoferClient | None = None


class SyscallCall(NamedTuple):
    """An intercepted call with the means to look into its caller."""

    event: SyscallEvent
    entry: SyscallEntry
    platform: Platform
    sandbox: SandboxInfo

    @property
    def args(self) -> tuple[int, int, int, int, int, int]:
        return self.event.args

    def read(self, address: int, length: int) -> bytes:
        return self.platform.read_memory(self.event, address, length)

    def write(self, address: int, data: bytes) -> None:
        self.platform.write_memory(self.event, address, data)


Handler = Callable[[SyscallCall], Response]
HANDLERS: dict[str, Handler] = {}


def syscall_handler(*names: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        for name in names:
            if name in HANDLERS:
                raise ValueError(f"two handlers for {name}")
            HANDLERS[name] = func
        return func

    return register


def load_all() -> dict[str, Handler]:
    """Import every domain module so their handlers register; return the registry."""
    from sentry.handlers import (  # noqa: F401
        sys_exec,
        sys_file,
        sys_identity,
        sys_process,
        sys_socket,
        sys_stat,
        sys_utsname,
    )

    return HANDLERS
