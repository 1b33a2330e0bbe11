"""Syscall coverage: what the table supports (static report), what one run used and how
the sandbox handled it (run record, report), and the seccomp profile a run teaches.

static.py renders the table; record.py counts a run in the sentry and writes its JSON
record; full.py answers passthrough and deny calls under --coverage=full as the normal
filter would; report.py renders a record; profile.py turns a record into an OCI
`linux.seccomp` profile; render.py holds the text/markdown/HTML/SVG helpers they share.
"""

# The --coverage modes and the reports' output formats live here, not in record.py,
# static.py and report.py, so the command line can offer them as choices without
# importing the machinery behind them.
MODE_INTERCEPTED = "intercepted"  # only what the filter sends the sentry anyway
MODE_FULL = "full"  # every call but the kill ones, at a round trip each
MODES = (MODE_INTERCEPTED, MODE_FULL)
STATIC_FORMATS = ("table", "csv", "json", "markdown", "html")  # `runsc-py syscalls`
REPORT_FORMATS = ("text", "markdown", "html")  # `runsc-py coverage report`
