"""Output helpers shared by the static report and the run report, so both render the
same way: aligned text tables, markdown tables, escaped HTML and an inline SVG bar chart
(no scripts, no network: the report opens from a file anywhere)."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

Row = Sequence[object]

# One colour per disposition, shared by every chart so the reports read alike.
DISPOSITION_COLOURS: Mapping[str, str] = {
    "passthrough": "#4c9a2a",
    "emulate": "#2a6f9a",
    "gofer": "#7a4c9a",
    "deny": "#c47a00",
    "kill": "#b22222",
}
OTHER_COLOUR = "#777777"

PAGE_STYLE = """
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #eee; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.summary { font-size: 1.1em; }
"""


def text_table(header: Row, rows: Sequence[Row]) -> str:
    """Columns padded to their widest cell, as `column -t` would print them."""
    cells = [[str(c) for c in header], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
             for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def markdown_cell(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def markdown_table(header: Row, rows: Sequence[Row]) -> str:
    lines = ["| " + " | ".join(markdown_cell(c) for c in header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(markdown_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def html_table(header: Row, rows: Sequence[Row], *, table_id: str,
               numeric: Sequence[int] = ()) -> str:
    """`numeric`: column indexes right-aligned as numbers."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in header)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{html.escape(str(c))}</td>' if i in numeric
            else f"<td>{html.escape(str(c))}</td>"
            for i, c in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    return (f'<table id="{table_id}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>\n")


def html_page(title: str, body: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{PAGE_STYLE}</style></head>\n"
            f"<body>\n<h1>{html.escape(title)}</h1>\n{body}</body></html>\n")


def svg_bar_chart(values: Mapping[str, int], *, chart_id: str, title: str,
                  colours: Mapping[str, str] = DISPOSITION_COLOURS) -> str:
    """A horizontal bar chart, one bar per key, scaled to the largest value; each bar is
    labelled with its key and value so the chart reads without a legend."""
    bar_height, gap, label_width, bar_width, value_width = 22, 8, 120, 360, 80
    height = max(len(values), 1) * (bar_height + gap) + gap + 24
    width = label_width + bar_width + value_width
    largest = max(values.values(), default=0) or 1
    parts = [f'<svg id="{chart_id}" xmlns="http://www.w3.org/2000/svg" role="img" '
             f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
             f"<title>{html.escape(title)}</title>",
             f'<text x="0" y="16" font-size="14" font-weight="bold">{html.escape(title)}</text>']
    y = 24 + gap
    for key, value in values.items():
        length = round(bar_width * value / largest)
        colour = colours.get(key, OTHER_COLOUR)
        label = html.escape(key)
        parts.append(
            f'<g class="bar" data-key="{label}" data-value="{value}">'
            f'<text x="{label_width - 6}" y="{y + 16}" font-size="13" '
            f'text-anchor="end">{label}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar_height}" '
            f'fill="{colour}"/>'
            f'<text x="{label_width + length + 6}" y="{y + 16}" font-size="13">{value}</text>'
            "</g>")
        y += bar_height + gap
    parts.append("</svg>")
    return "".join(parts) + "\n"
