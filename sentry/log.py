"""The sentry's log lines, with `logging` imported only when one is written: its import
(traceback, threading, string with it) is 3-6 ms of every start-up on this kind of
machine, and a run without --debug writes none unless something goes wrong."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    import logging

FORMAT = "runsc-py: %(levelname)s %(name)s: %(message)s"

_stream: TextIO = sys.stderr
_debug = False
_configured = False


def configure(stream: TextIO, debug: bool) -> None:
    """Where lines go (--log, else stderr) and whether debug lines are written (--debug)."""
    global _stream, _debug
    _stream, _debug = stream, debug


class Logger:
    """A module's logger: `logging.getLogger(name)`, looked up when a line is written."""

    def __init__(self, name: str) -> None:
        self.name = name

    def debug(self, message: str, *args: object) -> None:
        if _debug:
            _logger(self.name).debug(message, *args)

    def error(self, message: str, *args: object) -> None:
        _logger(self.name).error(message, *args)


def _logger(name: str) -> logging.Logger:
    import logging  # on use: see the module's docstring

    global _configured
    if not _configured:
        logging.basicConfig(stream=_stream, format=FORMAT,
                            level=logging.DEBUG if _debug else logging.WARNING)
        _configured = True
    return logging.getLogger(name)
