"""The static support report: gVisor's compatibility page for runsc-py's own table.

Every row comes from `syscall_tables.load_table`, the same data that builds the filter
and the dispatch, so the report cannot describe a sandbox other than the one that runs.
"""

from __future__ import annotations

import csv
import errno
import io
import json
from collections.abc import Callable

from sentry.coverage import STATIC_FORMATS
from sentry.coverage.render import (
    html_page,
    html_table,
    markdown_table,
    svg_bar_chart,
    text_table,
)
from syscall_tables import Disposition, Support, SyscallEntry, SyscallTable

FORMATS = STATIC_FORMATS
COLUMNS = ("number", "name", "disposition", "support", "errno", "note")


def errno_name(value: int | None) -> str:
    """"ENOSYS" for 38; "" for None (only deny rows carry an errno)."""
    if value is None:
        return ""
    return errno.errorcode.get(value, str(value))


def row(entry: SyscallEntry) -> tuple[int, str, str, str, str, str]:
    return (entry.number, entry.name, entry.disposition.value, entry.support.value,
            errno_name(entry.errno), entry.note)


def summary(table: SyscallTable) -> str:
    """The header line, worded as gVisor's compatibility page words it."""
    counts = table.counts()
    implemented = counts.by_support[Support.FULL] + counts.by_support[Support.PARTIAL]
    return (f"Of {counts.total} syscalls, {implemented} have a full or partial implementation; "
            f"{counts.by_support[Support.UNIMPLEMENTED]} are unimplemented.")


def disposition_line(table: SyscallTable) -> str:
    counts = table.counts().by_disposition
    return "By disposition: " + ", ".join(f"{d.value} {counts[d]}" for d in Disposition) + "."


def support_line(table: SyscallTable) -> str:
    counts = table.counts().by_support
    return "By support: " + ", ".join(f"{s.value} {counts[s]}" for s in Support) + "."


def render_table(table: SyscallTable) -> str:
    head = (f"Syscall support, {table.arch}\n{summary(table)}\n{disposition_line(table)}\n"
            f"{support_line(table)}\n\n")
    return head + text_table(COLUMNS, [row(e) for e in table.entries])


def render_csv(table: SyscallTable) -> str:
    """Rows only, so any CSV reader takes it; the counts follow from the rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(row(e) for e in table.entries)
    return out.getvalue()


def as_json(table: SyscallTable) -> dict[str, object]:
    counts = table.counts()
    return {
        "arch": table.arch,
        "total": counts.total,
        "implemented": counts.by_support[Support.FULL] + counts.by_support[Support.PARTIAL],
        "unimplemented": counts.by_support[Support.UNIMPLEMENTED],
        "by_disposition": {d.value: n for d, n in counts.by_disposition.items()},
        "by_support": {s.value: n for s, n in counts.by_support.items()},
        "syscalls": [dict(zip(COLUMNS, row(e), strict=True)) for e in table.entries],
    }


def render_json(table: SyscallTable) -> str:
    return json.dumps(as_json(table), indent=2) + "\n"


def _count_rows(table: SyscallTable) -> list[tuple[str, str, int]]:
    counts = table.counts()
    return ([("disposition", d.value, n) for d, n in counts.by_disposition.items()]
            + [("support", s.value, n) for s, n in counts.by_support.items()])


def render_markdown(table: SyscallTable) -> str:
    return (f"# Syscall support: {table.arch}\n\n{summary(table)}\n\n"
            + markdown_table(("count of", "value", "syscalls"), _count_rows(table))
            + "\n" + markdown_table(COLUMNS, [row(e) for e in table.entries]))


def render_html(table: SyscallTable) -> str:
    counts = table.counts()
    chart = svg_bar_chart({d.value: n for d, n in counts.by_disposition.items()},
                          chart_id="disposition-chart",
                          title=f"{table.arch} syscalls by disposition")
    body = (f'<p class="summary" id="summary">{summary(table)}</p>\n{chart}'
            + html_table(("count of", "value", "syscalls"), _count_rows(table),
                         table_id="counts", numeric=(2,))
            + html_table(COLUMNS, [row(e) for e in table.entries], table_id="syscalls",
                         numeric=(0,)))
    return html_page(f"Syscall support: {table.arch}", body)


RENDERERS: dict[str, Callable[[SyscallTable], str]] = {
    "table": render_table,
    "csv": render_csv,
    "json": render_json,
    "markdown": render_markdown,
    "html": render_html,
}


def render(table: SyscallTable, fmt: str) -> str:
    """The report in one of FORMATS; raises KeyError for another."""
    return RENDERERS[fmt](table)
