"""Builds the box's filesystem view inside its own mount namespace, then pivots into it.

Mount targets are resolved with openat2(RESOLVE_IN_ROOT) against the new root and
mounted through /proc/self/fd, so a symlink planted in a rootfs can never redirect a
mount to the host (the runc CVE-2021-30465 class).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from typing import NamedTuple

from sentry import native
from sentry.native import lib
from sentry.oci.mountopts import (
    MS_BIND,
    MS_NODEV,
    MS_NOSUID,
    MS_PRIVATE,
    MS_RDONLY,
    MS_REC,
    MS_REMOUNT,
    parse_mount_options,
)

MNT_DETACH = 2
_DIR_RESOLVE = lib.RESOLVE_IN_ROOT | lib.RESOLVE_NO_MAGICLINKS


class MountSpec(NamedTuple):
    """One mount of the box (OCI `mounts[]`, or one the runtime adds)."""

    destination: str
    type: str
    source: str | None
    options: tuple[str, ...]
    is_bind: bool


class Device(NamedTuple):
    name: str
    major: int
    minor: int
    mode: int = 0o666


MINIMAL_DEVICES = (
    Device("null", 1, 3), Device("zero", 1, 5), Device("full", 1, 7),
    Device("random", 1, 8), Device("urandom", 1, 9), Device("tty", 5, 0),
)
DEV_SYMLINKS = (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2"),
                ("ptmx", "pts/ptmx"))


def isolate_mount_namespace() -> None:
    """Nothing mounted from now on propagates back to the host."""
    native.mount(None, "/", None, MS_REC | MS_PRIVATE)


def bind_root(rootfs: str) -> str:
    """Make the rootfs directory a mount point of its own, as pivot_root needs."""
    native.mount(rootfs, rootfs, None, MS_BIND | MS_REC)
    return rootfs


def overlay_root(lower: str, scratch: str) -> str:
    """The box's root: `lower` read-only under an in-memory (tmpfs) writable layer that
    vanishes with the mount namespace; the host tree is never written."""
    native.mount("tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755")
    for sub in ("upper", "work", "merged"):
        os.mkdir(os.path.join(scratch, sub), 0o755)
    merged = os.path.join(scratch, "merged")
    native.mount("overlay", merged, "overlay", 0,
                 f"lowerdir={lower},upperdir={scratch}/upper,workdir={scratch}/work")
    return merged


class RootTree:
    """Resolves and creates paths inside the new root without following anything out."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.root_fd = os.open(root, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)

    def open_path(self, path: str, directory: bool = True) -> int:
        flags = os.O_PATH | (os.O_DIRECTORY if directory else 0)
        return native.openat2(self.root_fd, path.lstrip("/") or ".", flags, _DIR_RESOLVE)

    def ensure_dir(self, path: str) -> int:
        """An O_PATH fd of `path` as a directory, created (with parents) if missing."""
        try:
            return self.open_path(path)
        except FileNotFoundError:
            parent, name = os.path.split(path.rstrip("/"))
            parent_fd = self.ensure_dir(parent or "/")
            try:
                os.mkdir(name, 0o755, dir_fd=parent_fd)
            except FileExistsError:
                pass
            finally:
                os.close(parent_fd)
            return self.open_path(path)

    def ensure_file(self, path: str) -> int:
        """An O_PATH fd of `path` as a non-directory (bind target for a file)."""
        try:
            return self.open_path(path, directory=False)
        except FileNotFoundError:
            parent, name = os.path.split(path.rstrip("/"))
            parent_fd = self.ensure_dir(parent or "/")
            try:
                os.close(os.open(name, os.O_CREAT | os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC,
                                 0o644, dir_fd=parent_fd))
            finally:
                os.close(parent_fd)
            return self.open_path(path, directory=False)

    def close(self) -> None:
        os.close(self.root_fd)


def fd_path(fd: int) -> str:
    return f"/proc/self/fd/{fd}"


def mount_all(tree: RootTree, mounts: Iterable[MountSpec]) -> None:
    for spec in mounts:
        mount_one(tree, spec)


def mount_one(tree: RootTree, spec: MountSpec) -> None:
    opts = parse_mount_options(spec.options)
    if spec.is_bind:
        source = spec.source or ""
        is_dir = stat.S_ISDIR(os.stat(source).st_mode)
        target_fd = tree.ensure_dir(spec.destination) if is_dir else tree.ensure_file(
            spec.destination)
        try:
            target = fd_path(target_fd)
            native.mount(source, target, None, MS_BIND | (opts.flags & MS_REC))
            extra = opts.flags & ~(MS_BIND | MS_REC)
            if extra:
                # The kernel ignores ro/nosuid/... on the bind call itself.
                _remount(tree, spec.destination, is_dir, MS_REMOUNT | MS_BIND | extra)
        finally:
            os.close(target_fd)
    else:
        target_fd = tree.ensure_dir(spec.destination)
        try:
            fstype = "cgroup2" if spec.type in ("cgroup", "cgroup2") else spec.type
            data = opts.data
            if fstype == "devpts" and "newinstance" not in data:
                data = ",".join(filter(None, ["newinstance", "ptmxmode=0666", data]))
            native.mount(spec.source if spec.source not in (None, "") else fstype,
                         fd_path(target_fd), fstype, opts.flags, data or None)
        finally:
            os.close(target_fd)
    if opts.propagation:
        _remount(tree, spec.destination, not spec.is_bind or os.path.isdir(spec.source or ""),
                 opts.propagation)


def _remount(tree: RootTree, destination: str, directory: bool, flags: int) -> None:
    """Change flags of the mount just made at `destination`: a fresh O_PATH fd names the
    new mount's root, while the fd used to mount it still names the covered inode."""
    fd = tree.open_path(destination, directory=directory)
    try:
        native.mount(None, fd_path(fd), None, flags)
    finally:
        os.close(fd)


# Trees the kernel fills: names come and go there without any call of the box's.
KERNEL_TREES = ("/proc", "/sys", "/dev")


def volatile_trees(mounts: Iterable[MountSpec]) -> list[str]:
    """Where names and attributes change without the box's path calls, so the C fast path
    must not remember lookups (csrc/answers.c): the kernel's trees, bind mounts (the host
    may change what they show) and every mount but a tmpfs (which only the box writes)."""
    return [*KERNEL_TREES, *(m.destination for m in mounts if m.is_bind or m.type != "tmpfs")]


def populate_dev(tree: RootTree) -> None:
    """The minimal /dev every runtime gives: null, zero, full, random, urandom, tty, the
    fd symlinks, and pts/shm directories."""
    dev_fd = tree.ensure_dir("/dev")
    try:
        dev = os.readlink(fd_path(dev_fd))
        for device in MINIMAL_DEVICES:
            path = os.path.join(dev, device.name)
            if not os.path.lexists(path):
                os.mknod(path, stat.S_IFCHR | device.mode, os.makedev(device.major,
                                                                       device.minor))
                os.chmod(path, device.mode)  # mknod honours the umask
        for name, target in DEV_SYMLINKS:
            path = os.path.join(dev, name)
            if not os.path.lexists(path):
                os.symlink(target, path)
        for sub in ("pts", "shm"):
            os.makedirs(os.path.join(dev, sub), exist_ok=True)
    finally:
        os.close(dev_fd)


def pivot_into(new_root: str) -> None:
    """pivot_root(".", ".") then detach the old root: no path to the host remains."""
    os.chdir(new_root)
    native.pivot_root(".", ".")
    native.umount2(".", MNT_DETACH)
    os.chdir("/")


def mask_paths(paths: Iterable[str]) -> None:
    """Masked paths look empty: /dev/null over files, an empty read-only tmpfs over dirs."""
    for path in paths:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            continue
        if stat.S_ISDIR(st.st_mode):
            native.mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0,mode=0555")
        else:
            native.mount("/dev/null", path, None, MS_BIND)


def make_readonly(paths: Iterable[str]) -> None:
    for path in paths:
        try:
            native.mount(path, path, None, MS_BIND | MS_REC)
        except FileNotFoundError:
            continue
        native.mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_REC)


def readonly_root() -> None:
    native.mount(None, "/", None, MS_REMOUNT | MS_BIND | MS_RDONLY)
