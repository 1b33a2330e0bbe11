"""A watchdog that cleans up after a sentry that could not: if the sentry is SIGKILLed,
nothing of its own runs again, so a small process forked at the start waits for the
sentry's end (EOF on a pipe that only the sentry holds once the gofer has confined
itself, which closes every fd it does not use) and then removes the box's cgroups
(killing what is left in them) and its state dir. After a normal run the sentry has
already done both; it then ends the watch itself and waits for the watchdog to go, so
that nothing of the run outlives runsc-py."""

from __future__ import annotations

import contextlib
import os
import select
import signal
from pathlib import Path

from sentry.sandbox.cgroups import SandboxCgroup

DISMISS_SECONDS = 2.0  # a watchdog slower than this to go is left to end on its own


class Cleaner:
    """The watchdog, seen from the sentry: its pid and the pipe's write end."""

    def __init__(self, pid: int, write_end: int) -> None:
        self.pid = pid
        self.write_end = write_end

    def dismiss(self) -> None:
        """The sentry cleaned up itself: end the watch and reap the watchdog (which sees
        the end once no process holds the pipe; the box's and the gofer's are gone)."""
        os.close(self.write_end)
        with contextlib.suppress(ProcessLookupError, ChildProcessError):  # reaped already
            pidfd = os.pidfd_open(self.pid)
            try:
                select.select([pidfd], [], [], DISMISS_SECONDS)
            finally:
                os.close(pidfd)
            os.waitpid(self.pid, os.WNOHANG)


def start_cleaner(cgroup: SandboxCgroup, state_dir: Path) -> Cleaner:
    """Fork the watchdog; keep the returned Cleaner until the end, then dismiss it."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
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
            if state_dir.exists():  # the sentry was killed
                import shutil  # here: 2-3 ms, for a rare clean-up

                with contextlib.suppress(FileNotFoundError):
                    shutil.rmtree(state_dir)
        finally:
            os._exit(0)
    os.close(read_end)
    return Cleaner(pid, write_end)
