"""How syscall events reach the sentry. One interface (platform/base.py), one module per
platform; handlers and tests never depend on which one delivered the event."""

from __future__ import annotations

from sentry.platform.base import Platform


def platform_by_name(name: str) -> type[Platform]:
    """The platform class for `--platform NAME`."""
    if name == "seccomp":
        from sentry.platform.seccomp_notify import SeccompNotifyPlatform

        return SeccompNotifyPlatform
    if name == "ptrace":
        from sentry.platform.ptrace import PtracePlatform

        return PtracePlatform
    raise ValueError(f"unknown platform {name!r} (available: {', '.join(PLATFORM_NAMES)})")


PLATFORM_NAMES = ("seccomp", "ptrace")
