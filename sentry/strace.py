"""`--strace`: one line per call the sentry sees, in strace's own format:

    [pid 12] openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3

Argument names, types and counts come from python-ptrace's prototype table, and its
constant tables name flags (open flags, mmap protections, access modes, clone flags,
socket families and types, seek/fcntl/futex/rlimit values, signals). Strings (paths,
execve's argv, write buffers) are read from the caller's memory when the call arrives,
through the platform, which checks the caller still waits (ID_VALID) after each read.
Output buffers are shown as addresses: for a call the kernel runs after the sentry
answered (continued), their contents and the result do not exist yet, so the result
reads `?`, as strace prints it for calls whose result it never saw.

`--strace-syscalls=a,b` limits the lines to those calls, as runsc's flag does. Without
`--coverage=full` only intercepted calls reach the sentry, so only they can be shown.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Collection
from typing import TextIO

from ptrace.signames import signalName
from ptrace.syscall.linux_constants import RLIMIT_RESOURCE, SYSCALL_ARG_DICT
from ptrace.syscall.posix_arg import (
    ACCESS_MODE_BITMASK,
    CLONE_FLAGS_BITMASK,
    MMAP_PROT_BITMASK,
    OPEN_FLAGS_BITMASK,
)
from ptrace.syscall.prototypes import FILENAME_ARGUMENTS, SYSCALL_PROTOTYPES
from ptrace.syscall.socketcall_constants import SOCKET_FAMILY, SOCKET_TYPE
from ptrace.tools import readBits

from sentry.platform.base import Platform, Response, SyscallEvent
from syscall_tables.model import SyscallEntry

# strace's defaults: -s 32 for data strings; paths are printed whole (up to PATH_MAX).
STRING_LIMIT = 32
PATH_LIMIT = 4096
ARRAY_LIMIT = 32
ENV_LIMIT = 4096  # counted, not shown
PAGE_SIZE = 4096
WORD = 8
MASK64 = 0xFFFF_FFFF_FFFF_FFFF

AT_FDCWD = -100
O_CREAT = 0o100
O_TMPFILE = 0o20000000
AF_UNIX = 1
SOCK_NONBLOCK = 0o4000
SOCK_CLOEXEC = 0o2000000

# What python-ptrace's tables lack for x86_64 (uapi asm-generic/mman-common.h,
# x86 mman.h, linux/fcntl.h, asm/prctl.h).
MMAP_FLAGS_BITMASK = (
    (0x01, "MAP_SHARED"), (0x02, "MAP_PRIVATE"), (0x10, "MAP_FIXED"), (0x20, "MAP_ANONYMOUS"),
    (0x40, "MAP_32BIT"), (0x100, "MAP_GROWSDOWN"), (0x800, "MAP_DENYWRITE"),
    (0x1000, "MAP_EXECUTABLE"), (0x2000, "MAP_LOCKED"), (0x4000, "MAP_NORESERVE"),
    (0x8000, "MAP_POPULATE"), (0x10000, "MAP_NONBLOCK"), (0x20000, "MAP_STACK"),
    (0x40000, "MAP_HUGETLB"), (0x80000, "MAP_SYNC"), (0x100000, "MAP_FIXED_NOREPLACE"),
)
AT_FLAGS_BITMASK = (
    (0x100, "AT_SYMLINK_NOFOLLOW"), (0x200, "AT_REMOVEDIR"), (0x400, "AT_SYMLINK_FOLLOW"),
    (0x800, "AT_NO_AUTOMOUNT"), (0x1000, "AT_EMPTY_PATH"), (0x6000, "AT_STATX_DONT_SYNC"),
    (0x2000, "AT_STATX_FORCE_SYNC"),
)
ARCH_PRCTL_CODES = {0x1001: "ARCH_SET_GS", 0x1002: "ARCH_SET_FS", 0x1003: "ARCH_GET_FS",
                    0x1004: "ARCH_GET_GS", 0x1011: "ARCH_GET_CPUID", 0x1012: "ARCH_SET_CPUID",
                    0x3001: "ARCH_CET_STATUS"}
GETRANDOM_FLAGS_BITMASK = ((1, "GRND_NONBLOCK"), (2, "GRND_RANDOM"), (4, "GRND_INSECURE"))
# Integers that are addresses, shown in hex as strace shows them.
ADDRESS_ARGUMENTS = frozenset({("brk", "brk"), ("arch_prctl", "addr"), ("rseq", "sig"),
                               ("munmap", "addr"), ("mprotect", "start"),
                               ("madvise", "start"), ("mremap", "addr"),
                               ("clone", "child_stack"), ("clone", "regs")})
DIRFD_NAMES = frozenset({"dirfd", "dfd", "olddfd", "newdfd", "olddirfd", "newdirfd"})
SIGNAL_NAMES = frozenset({"sig", "signum"})

Prototype = tuple[tuple[str, str], ...]
# Calls newer than python-ptrace's prototype table that glibc and CPython make.
EXTRA_PROTOTYPES: dict[str, Prototype] = {
    "arch_prctl": (("int", "code"), ("unsigned long", "addr")),
    "faccessat2": (("int", "dfd"), ("const char *", "filename"), ("int", "mode"),
                   ("int", "flags")),
    "rseq": (("void *", "rseq"), ("u32", "rseq_len"), ("int", "flags"), ("u32", "sig")),
    "clone3": (("struct clone_args *", "uargs"), ("size_t", "size")),
    "close_range": (("unsigned int", "fd"), ("unsigned int", "max_fd"),
                    ("unsigned int", "flags")),
    "openat2": (("int", "dfd"), ("const char *", "filename"), ("struct open_how *", "how"),
                ("size_t", "usize")),
    "pidfd_open": (("pid_t", "pid"), ("unsigned int", "flags")),
    "fchmodat2": (("int", "dfd"), ("const char *", "filename"), ("umode_t", "mode"),
                  ("unsigned int", "flags")),
}
SIGNED_TYPES = frozenset({"int", "long", "pid_t", "off_t", "loff_t", "clockid_t", "key_t",
                          "mqd_t", "timer_t"})
UNSIGNED_TYPES = frozenset({"unsigned int", "unsigned long", "unsigned", "size_t", "u32",
                            "u64", "socklen_t", "uid_t", "gid_t", "qid_t", "old_uid_t",
                            "old_gid_t", "__u64", "__u32"})

# Reads `length` bytes of the caller's memory at an address; raises OSError (bad pointer)
# or ProcessLookupError (the caller is gone).
Reader = Callable[[int, int], bytes]


def prototype(name: str) -> Prototype | None:
    if name in EXTRA_PROTOTYPES:
        return EXTRA_PROTOTYPES[name]
    known = SYSCALL_PROTOTYPES.get(name)
    return tuple(known[1]) if known else None


def signed(value: int, bits: int = 32) -> int:
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def bits(value: int, table: Collection[tuple[int, str]], empty: str = "0") -> str:
    """"A|B|0x40" as strace writes flag sets; unknown bits in hex."""
    names = readBits(value, table)
    if names and names[-1].isdigit():
        names[-1] = hex(int(names[-1]))
    return "|".join(names) if names else empty


def pointer(value: int) -> str:
    return hex(value & MASK64) if value else "NULL"


def quote(data: bytes, limit: int) -> str:
    """A C string literal as strace prints it, `...` after the quote when cut short."""
    shown = data[:limit]
    out = []
    for byte in shown:
        char = chr(byte)
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif 0x20 <= byte < 0x7F:
            out.append(char)
        else:
            out.append(f"\\{byte:o}")
    return '"' + "".join(out) + '"' + ("..." if len(data) > limit else "")


def read_cstring(read: Reader, address: int, limit: int) -> tuple[bytes, bool]:
    """Up to `limit` bytes of a NUL-terminated string, read page by page so a string that
    ends just before an unmapped page still reads; returns (bytes, complete)."""
    data = b""
    while len(data) < limit:
        chunk = min(PAGE_SIZE - (address + len(data)) % PAGE_SIZE, limit - len(data))
        piece = read(address + len(data), chunk)
        end = piece.find(b"\0")
        if end >= 0:
            return data + piece[:end], True
        data += piece
    return data, False


class CallDecoder:
    """Formats one call's arguments; `read` is None when memory must not be read (tests,
    or a platform that cannot), then strings show as addresses."""

    def __init__(self, name: str, args: tuple[int, ...], read: Reader | None) -> None:
        self.name = name
        self.args = args
        self.read = read

    def format(self) -> str:
        params = prototype(self.name)
        if params is None:
            return f"{self.name}({', '.join(hex(a) for a in self.args)})"
        shown = []
        for index, (ctype, arg_name) in enumerate(params):
            text = self.argument(index, ctype, arg_name, params)
            if text is not None:
                shown.append(text)
        return f"{self.name}({', '.join(shown)})"

    def argument(self, index: int, ctype: str, arg_name: str, params: Prototype) -> str | None:
        """One argument's text, or None to leave it out (as strace leaves out open's mode
        when no file is created)."""
        value = self.args[index] if index < len(self.args) else 0
        special = self.special(index, ctype, arg_name, value)
        if special is not None:
            return special or None
        if ctype.startswith("const ") and ctype.endswith("char *") and \
                arg_name in FILENAME_ARGUMENTS:
            return self.string(value, PATH_LIMIT)
        if "*" in ctype or "[" in ctype:
            return pointer(value)
        if ctype in SIGNED_TYPES:
            return str(signed(value, 64 if ctype in ("long", "off_t", "loff_t") else 32))
        if ctype in UNSIGNED_TYPES:
            return str(value & (MASK64 if "long" in ctype or "64" in ctype or ctype == "size_t"
                                else 0xFFFF_FFFF))
        return str(value) if value < 0x10000 else hex(value)

    def special(self, index: int, ctype: str, arg_name: str, value: int) -> str | None:
        """Arguments python-ptrace's tables (or strace's habits) name; "" drops one."""
        name = self.name
        if name == "socket" and arg_name == "domain" and value == AF_UNIX:
            return "AF_UNIX"  # python-ptrace says AF_FILE, an old alias strace never prints
        table = SYSCALL_ARG_DICT.get(name, {}).get(arg_name)
        if table and value in table:
            return str(table[value])
        if arg_name in DIRFD_NAMES:
            fd = signed(value)
            return "AT_FDCWD" if fd == AT_FDCWD else str(fd)
        if arg_name in SIGNAL_NAMES:
            return str(signalName(signed(value))) if 0 < signed(value) < 65 else str(value)
        if name in ("open", "openat", "creat") and arg_name == "flags":
            return open_flags(value)
        if name in ("open", "openat") and arg_name == "mode":
            flags = self.args[2 if name == "openat" else 1]
            return octal_mode(value) if flags & (O_CREAT | O_TMPFILE) else ""
        if arg_name in ("mode", "umode") and ctype == "umode_t":
            return octal_mode(value)
        if name in ("access", "faccessat", "faccessat2") and arg_name == "mode":
            return bits(value, ACCESS_MODE_BITMASK, "F_OK")
        if name in ("mmap", "mprotect", "pkey_mprotect") and arg_name == "prot":
            return bits(value, MMAP_PROT_BITMASK, "PROT_NONE")
        if name == "mmap":
            return self.mmap_argument(arg_name, value)
        if arg_name in ("flag", "flags") and name in ("newfstatat", "statx", "unlinkat",
                                                      "linkat", "fchownat", "utimensat",
                                                      "faccessat2", "execveat", "fchmodat2"):
            return bits(value, AT_FLAGS_BITMASK)
        if name == "clone" and arg_name == "flags":
            return clone_flags(value)
        if name == "socket" and arg_name == "domain":
            return SOCKET_FAMILY.get(value, str(value))
        if name in ("socket", "socketpair") and arg_name == "type":
            return socket_type(value)
        if name == "personality":
            return hex(value & 0xFFFF_FFFF)
        if (name, arg_name) in ADDRESS_ARGUMENTS:
            return pointer(value)
        if name == "prlimit64" and arg_name == "resource":
            return RLIMIT_RESOURCE.get(value, str(value))
        if name == "getrandom" and arg_name == "flags":
            return bits(value, GETRANDOM_FLAGS_BITMASK)
        if name == "arch_prctl" and arg_name == "code":
            return ARCH_PRCTL_CODES.get(value, hex(value))
        if name in ("execve", "execveat") and arg_name == "argv":
            return self.string_array(value)
        if name in ("execve", "execveat") and arg_name == "envp":
            return self.env_summary(value)
        if name in ("write", "pwrite64") and arg_name == "buf":
            return self.buffer(value, self.args[2])
        return None

    def mmap_argument(self, arg_name: str, value: int) -> str | None:
        match arg_name:
            case "addr":
                return pointer(value)
            case "flags":
                return bits(value, MMAP_FLAGS_BITMASK)
            case "fd":
                return str(signed(value))
            case "pgoff":
                return hex(value) if value else "0"
        return None

    def string(self, address: int, limit: int) -> str:
        if not address:
            return "NULL"
        if self.read is None:
            return pointer(address)
        try:
            data, complete = read_cstring(self.read, address, limit)
        except OSError:
            return pointer(address)  # a bad pointer: the call itself will say EFAULT
        return quote(data, limit) if complete else quote(data + b"?", limit)

    def buffer(self, address: int, length: int) -> str:
        if not address or self.read is None:
            return pointer(address)
        try:
            data = self.read(address, min(length, STRING_LIMIT + 1))
        except OSError:
            return pointer(address)
        return quote(data, STRING_LIMIT)

    def pointers(self, address: int, limit: int) -> list[int] | None:
        """The NULL-terminated pointer array at `address`, at most `limit` + 1 entries
        (more means "cut short"), read a page at a time."""
        if self.read is None:
            return None
        found: list[int] = []
        try:
            while len(found) <= limit:
                start = address + WORD * len(found)
                chunk = self.read(start, PAGE_SIZE - start % PAGE_SIZE)
                for offset in range(0, len(chunk) - WORD + 1, WORD):
                    word = int.from_bytes(chunk[offset:offset + WORD], "little")
                    if not word:
                        return found
                    found.append(word)
        except OSError:
            return None
        return found

    def string_array(self, address: int) -> str:
        items = self.pointers(address, ARRAY_LIMIT) if address else None
        if items is None:
            return pointer(address)
        shown = [self.string(item, STRING_LIMIT) for item in items[:ARRAY_LIMIT]]
        return "[" + ", ".join(shown) + (", ..." if len(items) > ARRAY_LIMIT else "") + "]"

    def env_summary(self, address: int) -> str:
        """strace's default for envp: the address and how many variables."""
        items = self.pointers(address, ENV_LIMIT) if address else None
        if items is None:
            return pointer(address)
        more = "+" if len(items) > ENV_LIMIT else ""
        return f"{pointer(address)} /* {min(len(items), ENV_LIMIT)}{more} vars */"


def octal_mode(value: int) -> str:
    """0644, as strace and chmod(1) write modes."""
    return f"0{value & 0o7777:03o}"


def open_flags(value: int) -> str:
    """O_RDONLY|O_CLOEXEC: the access mode is a value, not a bit, so O_RDONLY is named
    when neither O_WRONLY nor O_RDWR is set."""
    names = readBits(value & ~0o100000, OPEN_FLAGS_BITMASK)  # x86_64: O_LARGEFILE implied
    if not names or names[0] not in ("O_WRONLY", "O_RDWR"):
        names.insert(0, "O_RDONLY")
    if names[-1].isdigit():
        names[-1] = hex(int(names[-1]))
    return "|".join(names)


def clone_flags(value: int) -> str:
    names = readBits(value & ~0xFF, CLONE_FLAGS_BITMASK)
    if names and names[-1].isdigit():
        names[-1] = hex(int(names[-1]))
    if value & 0xFF:
        names.append(str(signalName(value & 0xFF)))
    return "|".join(names) if names else "0"


def socket_type(value: int) -> str:
    names = [SOCKET_TYPE.get(value & 0xF, str(value & 0xF))]
    names += [name for bit, name in ((SOCK_NONBLOCK, "SOCK_NONBLOCK"),
                                     (SOCK_CLOEXEC, "SOCK_CLOEXEC")) if value & bit]
    return "|".join(names)


def format_call(name: str, args: tuple[int, ...], read: Reader | None = None) -> str:
    """`name(arg, ...)` decoded as strace would; memory is read only through `read`."""
    return CallDecoder(name, args, read).format()


def format_result(response: Response, result: int | None = None,
                  name: str = "") -> str:
    """What follows ` = `: the value, `-1 ENAME (message)`, or `?` when the kernel
    produced the result after the sentry answered. `result`: what the platform learned
    when it answered (the number of an installed fd)."""
    if response.errno:
        code = errno.errorcode.get(response.errno, str(response.errno))
        return f"-1 {code} ({os.strerror(response.errno)})"
    if response.install_fd is not None:
        return str(result) if result is not None else "?"
    if response.continue_call:
        return "?"
    if name in ("mmap", "brk", "mremap", "shmat"):
        return hex(response.value & MASK64)
    return str(response.value)


class StraceWriter:
    """Writes strace lines for the calls the sentry answers: `enter` decodes the
    arguments while the caller still waits, `exit` adds the result once answered."""

    def __init__(self, out: TextIO, platform: Platform | None = None,
                 only: Collection[str] | None = None) -> None:
        self.out = out
        self.platform = platform
        self.only = frozenset(only) if only is not None else None

    def enter(self, event: SyscallEvent, entry: SyscallEntry) -> str | None:
        """The line up to the arguments, or None when --strace-syscalls leaves it out."""
        if self.only is not None and entry.name not in self.only:
            return None
        platform = self.platform
        read: Reader | None = None
        if platform is not None:
            def read(address: int, length: int) -> bytes:
                return platform.read_memory(event, address, length)
        try:
            call = format_call(entry.name, event.args, read)
        except ProcessLookupError:  # the caller died while we read its memory
            call = format_call(entry.name, event.args)
        return f"[pid {event.tid}] {call}"

    def exit(self, line: str, name: str, response: Response, result: int | None) -> None:
        self.out.write(f"{line} = {format_result(response, result, name)}\n")
        self.out.flush()
