"""A watchdog that cleans up after a sentry that could not: if the sentry is SIGKILLed,
nothing of its own runs again, so a small process forked at the start waits for the
sentry's end (EOF on a pipe only the sentry holds) and then removes the box's cgroups
(killing what is left in them) and its state dir. After a normal run the sentry has
already done both, and the watchdog finds nothing to do."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

from sentry.sandbox.cgroups import SandboxCgroup


def start_cleaner(cgroup: SandboxCgroup, state_dir: Path) -> int:
    """Fork the watchdog; return the write end of its pipe, to keep open until the end."""
    read_end, write_end = os.pipe()
    if os.fork() == 0:
        try:
            os.setsid()  # out of the caller's process group: a ^C is the sentry's to handle
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT):
                signal.signal(sig, signal.SIG_IGN)  # only the sentry's end ends the watch
            os.dup2(os.open(os.devnull, os.O_RDWR), 0)
            os.dup2(0, 1)
            os.dup2(0, 2)
            os.closerange(3, read_end)
            os.closerange(read_end + 1, os.sysconf("SC_OPEN_MAX"))
            while os.read(read_end, 1):
                pass
            cgroup.destroy()
            import shutil  # here: 2-3 ms of every sentry's start-up, for a rare clean-up

            with contextlib.suppress(FileNotFoundError):
                shutil.rmtree(state_dir)
        finally:
            os._exit(0)
    os.close(read_end)
    return write_end
