"""bench/perf_profile.py reads `perf script` output: samples are given to the run's roles
and named by the syscall they were in, within the workload's own window."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "bench" / "perf_profile.py"
_spec = importlib.util.spec_from_file_location("perf_profile", SOURCE)
assert _spec and _spec.loader
perf_profile = importlib.util.module_from_spec(_spec)
sys.modules["perf_profile"] = perf_profile
_spec.loader.exec_module(perf_profile)

SENTRY = 100

SCRIPT = """\
python   100 10.000:
\tffffffff8100 do_vfs_ioctl+0x10 ([kernel.kallsyms])
\tffffffff8101 __x64_sys_ioctl+0x20 ([kernel.kallsyms])
\tffffffff8102 do_syscall_64+0x71 ([kernel.kallsyms])
\tffffffff8103 entry_SYSCALL_64_after_hwframe+0x76 ([kernel.kallsyms])
\t  f786a __GI___ioctl+0xa (/usr/lib/x86_64-linux-gnu/libc.so.6)

find   103 10.100:
\t  1234 fts_read+0x10 (/usr/bin/find)

python   100 10.200:
\tffffffff8100 __schedule+0x10 ([kernel.kallsyms])
\tffffffff8101 schedule+0x10 ([kernel.kallsyms])
\tffffffff8102 __x64_sys_recvmsg+0x20 ([kernel.kallsyms])
\tffffffff8103 do_syscall_64+0x71 ([kernel.kallsyms])

runsc-gofer   102 10.300:
\tffffffff8200 ovl_lookup+0x10 ([kernel.kallsyms])
\tffffffff8201 __lookup_slow+0x10 ([kernel.kallsyms])
\tffffffff8202 __x64_sys_openat2+0x10 ([kernel.kallsyms])
\tffffffff8203 do_syscall_64+0x71 ([kernel.kallsyms])

swapper     0 10.400:
\tffffffff8300 default_idle+0x10 ([kernel.kallsyms])

python   100 10.500:
\t  5678 lookup_slot+0x10 (/work/main/sentry/_native.abi3.so)

find   103 10.600:
\t  1234 fts_read+0x10 (/usr/bin/find)

python   100 10.700:
\t  9abc _PyEval_EvalFrameDefault+0x10 (/usr/lib/libpython3.11.so.1.0)
"""


def samples() -> list:
    return list(perf_profile.parse_samples(SCRIPT.splitlines()))


def test_each_sample_keeps_its_process_time_and_frames_innermost_first() -> None:
    first = samples()[0]
    assert (first.comm, first.pid, first.time) == ("python", 100, 10.0)
    assert first.frames[:2] == ("do_vfs_ioctl", "__x64_sys_ioctl")
    assert len(samples()) == 8


def test_a_kernel_sample_is_named_by_its_syscall_with_the_markers_it_passed() -> None:
    names = [perf_profile.activity_of(s) for s in samples()]
    assert names[0] == "ioctl"
    assert names[2] == "recvmsg +schedule"
    assert names[3] == "openat2 +ovl_lookup +__lookup_slow"


def test_a_user_space_sample_is_named_by_its_function() -> None:
    assert perf_profile.activity_of(samples()[5]) == "user: lookup_slot"


def test_samples_go_to_the_sentry_the_gofer_the_box_and_idle() -> None:
    roles = [perf_profile.role_of(s, SENTRY, "find") for s in samples()]
    assert roles[:5] == ["sentry", "box", "sentry", "gofer", "idle"]


def test_only_the_workloads_window_is_counted_so_start_up_stays_apart() -> None:
    result = perf_profile.profile(samples(), SENTRY, "find")
    assert result.window == (10.1, 10.6)
    assert round(result.start_up_ms) == 100
    # the first sentry sample (10.0) and the last (10.7) fall outside the window
    assert result.roles == {"box": 2, "sentry": 2, "gofer": 1, "idle": 1}
    assert result.activities["sentry"] == {"recvmsg +schedule": 1, "user: lookup_slot": 1}


def test_the_table_gives_each_role_per_intercepted_call() -> None:
    text = perf_profile.render(perf_profile.profile(samples(), SENTRY, "find"), 10, 5)
    sentry_line = next(line for line in text.splitlines() if line.startswith("sentry"))
    # two samples of 250 us over 10 calls: 50 us a call
    assert sentry_line.split()[-1] == "50.0"


def test_a_sample_without_a_call_chain_is_named_by_the_function_it_was_in() -> None:
    script = "python   100 11.000:\n\npython   100 11.001:\n\tffff8100 do_syscall_64\n"
    leaves = perf_profile.parse_leaves(
        ["   100 11.000:  ffffffff822010c9 _raw_spin_unlock_irqrestore",
         "   100 11.001:  ffffffff821ed4e6 do_syscall_64"])
    chained = perf_profile.with_leaves(perf_profile.parse_samples(script.splitlines()), leaves)
    assert perf_profile.activity_of(chained[0]) == "_raw_spin_unlock_irqrestore (no call chain)"
    assert chained[1].frames == ("do_syscall_64",)
