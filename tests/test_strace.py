"""`--strace` prints the calls the sentry sees in strace's own format, decoded with
python-ptrace's tables and the caller's memory; `--strace-syscalls` filters them."""

from __future__ import annotations

import errno
import re

import pytest
from conftest import MakeBundle, Runsc

from sentry.platform.base import Response
from sentry.strace import format_call, format_result

AT_FDCWD = 2**64 - 100  # as the register holds -100
O_CLOEXEC = 0o2000000
O_WRONLY, O_CREAT, O_TRUNC = 0o1, 0o100, 0o1000
PAGE = 4096
LINE = re.compile(r"^\[pid +\d+\] (\w+)\((.*)\) = (.*)$")


class Memory:
    """A caller's address space for the decoder: bytes at page-aligned addresses, the rest
    of their pages zero (as mapped memory is), EFAULT elsewhere."""

    def __init__(self, regions: dict[int, bytes]) -> None:
        self.regions = {start: data + bytes(-(start + len(data)) % PAGE)
                        for start, data in regions.items()}

    def read(self, address: int, length: int) -> bytes:
        for start, data in self.regions.items():
            if start <= address < start + len(data):
                chunk = data[address - start:address - start + length]
                if len(chunk) == length:
                    return chunk
        raise OSError(errno.EFAULT, "bad address")


def strace_lines(stderr: str) -> list[tuple[str, str, str]]:
    return [m.groups() for m in map(LINE.match, stderr.splitlines()) if m]  # type: ignore[misc]


def test_openat_line_reads_the_path_and_names_the_flags() -> None:
    memory = Memory({0x1000: b"/etc/passwd\0"})
    line = format_call("openat", (AT_FDCWD, 0x1000, O_CLOEXEC, 0), memory.read)
    assert line == 'openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC)'


def test_open_mode_is_shown_only_when_a_file_may_be_created() -> None:
    memory = Memory({0x1000: b"out\0"})
    line = format_call("openat", (AT_FDCWD, 0x1000, O_WRONLY | O_CREAT | O_TRUNC, 0o644),
                       memory.read)
    assert line == 'openat(AT_FDCWD, "out", O_WRONLY|O_CREAT|O_TRUNC, 0644)'


def test_strings_are_escaped_and_cut_at_32_bytes_as_strace_does() -> None:
    data = b'say "hi"\n\t' + b"x" * 40
    memory = Memory({0x2000: data})
    line = format_call("write", (1, 0x2000, len(data)), memory.read)
    assert line == 'write(1, "say \\"hi\\"\\n\\t' + "x" * 22 + '"..., 50)'


def test_execve_shows_argv_and_counts_the_environment() -> None:
    strings = b"/bin/ls\0-l\0A=1\0B=2\0"
    pointers = (0x3000, 0x3008, 0, 0x300B, 0x300F, 0)
    table = b"".join(p.to_bytes(8, "little") for p in pointers)
    memory = Memory({0x3000: strings, 0x4000: table})
    line = format_call("execve", (0x3000, 0x4000, 0x4018), memory.read)
    assert line == 'execve("/bin/ls", ["/bin/ls", "-l"], 0x4018 /* 2 vars */)'


def test_mmap_line_names_protections_and_flags() -> None:
    line = format_call("mmap", (0, 8192, 3, 0x22, 2**64 - 1, 0))
    assert line == "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)"


def test_unreadable_path_is_shown_as_its_address() -> None:
    line = format_call("openat", (AT_FDCWD, 0xDEAD000, 0, 0), Memory({}).read)
    assert line == "openat(AT_FDCWD, 0xdead000, O_RDONLY)"


def test_results_read_as_strace_prints_them() -> None:
    assert format_result(Response(value=3)) == "3"
    assert format_result(Response.error(errno.ENOENT)) == "-1 ENOENT (No such file or directory)"
    assert format_result(Response(continue_call=True)) == "?"
    assert format_result(Response(value=0x7F00_0000_0000), name="mmap") == "0x7f0000000000"


def test_strace_of_a_run_shows_the_opened_path_and_the_fd(
        runsc: Runsc, make_bundle: MakeBundle) -> None:
    result = runsc("--strace", "run", make_bundle(["/bin/cat", "/etc/passwd"]).path)
    assert result.returncode == 0, result.stderr
    opens = [(args, value) for name, args, value in strace_lines(result.stderr)
             if name == "openat" and '"/etc/passwd"' in args]
    assert opens == [('AT_FDCWD, "/etc/passwd", O_RDONLY', "3")]


def test_strace_syscalls_prints_only_the_named_calls(runsc: Runsc, make_bundle: MakeBundle) -> None:
    result = runsc("--strace", "--strace-syscalls=getuid,openat", "run",
                   make_bundle(["/bin/id", "-u"]).path)
    assert result.returncode == 0, result.stderr
    names = {name for name, _, _ in strace_lines(result.stderr)}
    assert names == {"getuid", "openat"}


@pytest.mark.parametrize(("mode", "shown"), [("intercepted", False), ("full", True)])
def test_passthrough_calls_are_traced_only_with_full_coverage(
        runsc: Runsc, make_bundle: MakeBundle, mode: str, shown: bool) -> None:
    result = runsc("--strace", "run", f"--coverage={mode}",
                   make_bundle(["/bin/echo", "hello"]).path)
    assert result.stdout == "hello\n", result.stderr
    writes = [args for name, args, _ in strace_lines(result.stderr) if name == "write"]
    assert (writes == ['1, "hello\\n", 6']) is shown


def test_unknown_strace_syscall_name_is_refused(runsc: Runsc, make_bundle: MakeBundle) -> None:
    result = runsc("--strace", "--strace-syscalls=openat,no_such_call", "run",
                   make_bundle(["/bin/true"]).path)
    assert result.returncode == 1
    assert "no_such_call" in result.stderr
