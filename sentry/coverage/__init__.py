"""Syscall coverage: what the table supports (static report), what one run used and how
the sandbox handled it (run record, report), and the seccomp profile a run teaches.

static.py renders the table; record.py counts a run in the sentry and writes its JSON
record; full.py answers passthrough and deny calls under --coverage=full as the normal
filter would; report.py renders a record; profile.py turns a record into an OCI
`linux.seccomp` profile; render.py holds the text/markdown/HTML/SVG helpers they share.
"""
