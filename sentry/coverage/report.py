"""`runsc-py coverage report`: a run's record made readable, as text, markdown or a
self-contained HTML page (inline SVG chart of calls by disposition, no scripts, no
network), with the calls the program needed that the sandbox does not fully support
first, since those are what a user acts on."""

from __future__ import annotations

import html
import shlex
from collections.abc import Callable
from typing import Any

from sentry.coverage import REPORT_FORMATS
from sentry.coverage.render import (
    html_page,
    html_table,
    markdown_table,
    svg_bar_chart,
    text_table,
)

FORMATS = REPORT_FORMATS
CALL_COLUMNS = ("name", "number", "disposition", "support", "count", "handled", "errors")
ATTENTION_COLUMNS = ("name", "disposition", "support", "count", "handled", "errors", "note")

Record = dict[str, Any]


def pairs(counts: dict[str, int]) -> str:
    """{"ENOENT": 3, "EACCES": 1} -> "ENOENT 3, EACCES 1"."""
    return ", ".join(f"{key} {value}" for key, value in counts.items()) or "-"


def call_rows(calls: list[dict[str, Any]]) -> list[tuple[object, ...]]:
    return [(c["name"], c.get("number", ""), c.get("disposition", ""), c.get("support", ""),
             c["count"], pairs(c.get("handled", {})), pairs(c.get("errors", {})))
            for c in calls]


def attention_rows(record: Record) -> list[tuple[object, ...]]:
    return [(c["name"], c.get("disposition", ""), c.get("support", ""), c["count"],
             pairs(c.get("handled", {})), pairs(c.get("errors", {})), c.get("note", ""))
            for c in record.get("not_fully_supported", [])]


def headline(record: Record) -> list[str]:
    totals = record.get("totals", {})
    status = record.get("exit_status")
    lines = [
        f"Command: {shlex.join(record.get('command', []))}",
        f"Platform {record.get('platform', '?')}, {record.get('arch', '?')}, coverage mode "
        f"{record['mode']}, exit status {'-' if status is None else status}.",
        f"{totals.get('calls', 0)} calls to {totals.get('syscalls', 0)} syscalls; "
        f"{totals.get('errors', 0)} returned an error.",
        f"By disposition: {pairs(totals.get('by_disposition', {}))}.",
        f"By handling: {pairs(totals.get('by_handling', {}))}.",
    ]
    if record.get("security_violation"):
        lines.append(f"Security violation: {record['security_violation']}.")
    return lines


def not_seen_lines(record: Record) -> list[str]:
    return [f"{group['disposition']} ({len(group.get('syscalls', []))} syscalls): "
            f"{group['reason']}" for group in record.get("not_seen", [])]


def render_text(record: Record) -> str:
    out = ["\n".join(headline(record)), ""]
    attention = attention_rows(record)
    out.append(f"Needed but not fully supported by the sandbox: {len(attention)}")
    if attention:
        out.append(text_table(ATTENTION_COLUMNS, attention))
    out += ["Calls, most frequent first:", text_table(CALL_COLUMNS, call_rows(record["syscalls"])),
            "Not counted by this run:"]
    out += [f"  {line}" for line in not_seen_lines(record)]
    return "\n".join(out) + "\n"


def render_markdown(record: Record) -> str:
    out = ["# Syscall coverage", "", *[f"- {line}" for line in headline(record)], "",
           "## Needed but not fully supported by the sandbox", ""]
    attention = attention_rows(record)
    out.append(markdown_table(ATTENTION_COLUMNS, attention) if attention else "None.\n")
    out += ["## Calls, most frequent first", "",
            markdown_table(CALL_COLUMNS, call_rows(record["syscalls"])),
            "## Not counted by this run", ""]
    out += [f"- {line}" for line in not_seen_lines(record)]
    return "\n".join(out) + "\n"


def render_html(record: Record) -> str:
    totals = record.get("totals", {})
    chart = svg_bar_chart(dict(totals.get("by_disposition", {})), chart_id="disposition-chart",
                          title="Calls by disposition")
    attention = attention_rows(record)
    body = ['<ul id="summary">' + "".join(f"<li>{html.escape(line)}</li>"
                                          for line in headline(record)) + "</ul>\n",
            chart,
            "<h2>Needed but not fully supported by the sandbox</h2>\n",
            html_table(ATTENTION_COLUMNS, attention, table_id="not-fully-supported",
                       numeric=(3,)) if attention
            else '<p id="not-fully-supported">None.</p>\n',
            "<h2>Calls, most frequent first</h2>\n",
            html_table(CALL_COLUMNS, call_rows(record["syscalls"]), table_id="syscalls",
                       numeric=(1, 4)),
            "<h2>Not counted by this run</h2>\n<ul id=\"not-seen\">",
            "".join(f"<li>{html.escape(line)}</li>" for line in not_seen_lines(record)),
            "</ul>\n"]
    return html_page("Syscall coverage", "".join(body))


RENDERERS: dict[str, Callable[[Record], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "html": render_html,
}


def render(record: Record, fmt: str) -> str:
    """The report of a record (already checked by record.load_record) in one of FORMATS."""
    return RENDERERS[fmt](record)
