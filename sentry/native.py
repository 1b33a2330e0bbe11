"""Thin Python face of the C helpers in csrc/: raise OSError instead of returning -errno."""

from __future__ import annotations

import os

from sentry._native import ffi, lib

__all__ = ["ffi", "lib", "check", "mount", "umount2", "unshare", "setns", "pivot_root", "prctl",
           "capset", "openat2", "vm_read", "vm_write"]


def check(ret: int, what: str = "") -> int:
    """Turn a -errno return into OSError; pass non-negative results through."""
    if ret < 0:
        raise OSError(-ret, f"{what}: {os.strerror(-ret)}" if what else os.strerror(-ret))
    return ret


def _c(text: str | None) -> object:
    return ffi.NULL if text is None else text.encode()


def mount(source: str | None, target: str, fstype: str | None, flags: int = 0,
          data: str | None = None) -> None:
    check(lib.rsc_mount(_c(source), _c(target), _c(fstype), flags, _c(data)),
          f"mount {source or fstype} on {target}")


def umount2(target: str, flags: int = 0) -> None:
    check(lib.rsc_umount2(target.encode(), flags), f"umount {target}")


def unshare(flags: int) -> None:
    check(lib.rsc_unshare(flags), "unshare")


def setns(fd: int, nstype: int) -> None:
    check(lib.rsc_setns(fd, nstype), "setns")


def pivot_root(new_root: str, put_old: str) -> None:
    check(lib.rsc_pivot_root(new_root.encode(), put_old.encode()), "pivot_root")


def prctl(option: int, a2: int = 0, a3: int = 0, a4: int = 0, a5: int = 0) -> int:
    return check(lib.rsc_prctl(option, a2, a3, a4, a5), f"prctl({option})")


def capset(effective: int, permitted: int, inheritable: int) -> None:
    check(lib.rsc_capset(effective, permitted, inheritable), "capset")


def openat2(dirfd: int, path: str | bytes, flags: int, resolve: int, mode: int = 0) -> int:
    """openat2(2): the only safe way to resolve a path under a root the box controls."""
    raw = os.fsencode(path)
    ret = lib.rsc_openat2(dirfd, raw, flags | os.O_CLOEXEC, mode, resolve)
    if ret < 0:
        raise OSError(-ret, os.strerror(-ret), os.fsdecode(raw))
    return int(ret)


def vm_read(pid: int, address: int, length: int) -> bytes:
    """Read tracee memory; a short read raises EFAULT, as the kernel would."""
    buf = ffi.new("char[]", length)
    n = check(lib.rsc_vm_read(pid, address, buf, length), "process_vm_readv")
    if n != length:
        raise OSError(14, "short read of tracee memory")
    return bytes(ffi.buffer(buf, length))


def vm_write(pid: int, address: int, data: bytes) -> None:
    n = check(lib.rsc_vm_write(pid, address, data, len(data)), "process_vm_writev")
    if n != len(data):
        raise OSError(14, "short write of tracee memory")
