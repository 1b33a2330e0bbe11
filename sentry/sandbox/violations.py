"""Names the call that made the filter kill the box.

SECCOMP_RET_KILL_PROCESS tells the parent only "SIGSYS". The kernel logs each kill as an
audit record (type=1326, with pid, arch and syscall number) to the kernel log when
`kill_process` is in /proc/sys/kernel/seccomp/actions_logged, so the sentry opens
/dev/kmsg before the run and looks for the workload's record afterwards.
"""

from __future__ import annotations

import contextlib
import os
import re
import time

from syscall_tables import load_table

AUDIT_ARCH_NAMES = {0xC000003E: "x86_64", 0x40000003: "i386"}
X32_SYSCALL_BIT = 0x40000000
_RECORD = re.compile(r"type=1326 .*?\bpid=(\d+)\b.*?\barch=([0-9a-f]+) syscall=(\d+)")


def describe_kill(arch: int, nr: int) -> str:
    arch_name = AUDIT_ARCH_NAMES.get(arch, f"arch {arch:#x}")
    if arch_name == "i386":
        return f"i386 syscall {nr} (int 0x80 / 32-bit ABI, killed by the architecture check)"
    if arch_name == "x86_64" and nr & X32_SYSCALL_BIT:
        return f"x32 syscall {nr & ~X32_SYSCALL_BIT:#x}|0x40000000 (x32 ABI is killed)"
    entry = load_table("x86_64").by_number.get(nr) if arch_name == "x86_64" else None
    name = entry.name if entry else f"syscall {nr}"
    return f"{name} ({arch_name} syscall {nr}, which the table marks kill)"


class KernelLog:
    """A reader positioned at the end of /dev/kmsg when the run starts."""

    def __init__(self, fd: int | None) -> None:
        self.fd = fd

    @classmethod
    def open(cls) -> KernelLog:
        try:
            fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
            os.lseek(fd, 0, os.SEEK_END)
        except OSError:
            return cls(None)
        return cls(fd)

    def seccomp_kill(self, pid: int, wait_seconds: float = 0.5) -> str:
        """What the kernel logged about the kill of `pid`, or a plain statement. The audit
        record is printed by kauditd a moment after the kill, so wait for it briefly."""
        deadline = time.monotonic() + wait_seconds
        while True:
            for record in self._records():
                match = _RECORD.search(record)
                if match and int(match.group(1)) == pid:
                    return describe_kill(int(match.group(2), 16), int(match.group(3)))
            if self.fd is None or time.monotonic() >= deadline:
                return "killed by the seccomp filter (the kernel log named no call)"
            time.sleep(0.02)

    def _records(self) -> list[str]:
        records: list[str] = []
        if self.fd is None:
            return records
        while True:
            try:
                chunk = os.read(self.fd, 8192)
            except BlockingIOError:
                return records
            except OSError:  # EPIPE: records were overwritten; keep reading
                continue
            if not chunk:
                return records
            records.append(chunk.decode(errors="replace"))

    def close(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None
