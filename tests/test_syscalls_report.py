"""`runsc-py syscalls`: every format, parsed back, tells the same counts as the table.

Each format is read back the way a user would read it (csv module, json module, the
markdown table's cells, the HTML table's cells, the text table's columns), so a renderer
that drops, duplicates or mislabels a row fails here."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from syscall_tables import ARCHES, Disposition, Support, SyscallTable, load_table

RUNSC_PY = Path(__file__).resolve().parent.parent / "runsc.py"
SUMMARY = re.compile(r"Of (\d+) syscalls, (\d+) have a full or partial implementation; "
                     r"(\d+) are unimplemented\.")


def report(arch: str, fmt: str) -> str:
    """The CLI's output: the report needs no root, so these tests run anywhere."""
    result = subprocess.run([sys.executable, str(RUNSC_PY), "syscalls", "--arch", arch,
                             "--format", fmt], capture_output=True, text=True, check=True)
    return result.stdout


def expected_rows(table: SyscallTable) -> list[tuple[str, str, str, str]]:
    return [(str(e.number), e.name, e.disposition.value, e.support.value)
            for e in table.entries]


def expected_summary(table: SyscallTable) -> tuple[int, int, int]:
    counts = table.counts()
    return (counts.total,
            counts.by_support[Support.FULL] + counts.by_support[Support.PARTIAL],
            counts.by_support[Support.UNIMPLEMENTED])


def summary_numbers(text: str) -> tuple[int, int, int]:
    match = SUMMARY.search(text)
    assert match, "the header sentence is missing"
    total, implemented, unimplemented = (int(g) for g in match.groups())
    return total, implemented, unimplemented


def assert_counts_match(table: SyscallTable, rows: list[tuple[str, str, str, str]]) -> None:
    counts = table.counts()
    assert rows == expected_rows(table)
    assert Counter(r[2] for r in rows) == Counter(
        {d.value: n for d, n in counts.by_disposition.items() if n})
    assert Counter(r[3] for r in rows) == Counter(
        {s.value: n for s, n in counts.by_support.items() if n})


class CellCollector(HTMLParser):
    """The cells of the HTML table with a given id, row by row."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id = table_id
        self.inside = False
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("id", self.table_id) in attrs:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag == "td":
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False
        elif tag == "td" and self.cell is not None:
            self.rows[-1].append("".join(self.cell))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


@pytest.mark.parametrize("arch", ARCHES)
def test_json_report_counts_match_the_table(arch: str) -> None:
    table = load_table(arch)
    data = json.loads(report(arch, "json"))
    counts = table.counts()
    assert (data["total"], data["implemented"], data["unimplemented"]) == expected_summary(table)
    assert data["by_disposition"] == {d.value: n for d, n in counts.by_disposition.items()}
    assert data["by_support"] == {s.value: n for s, n in counts.by_support.items()}
    rows = [(str(s["number"]), s["name"], s["disposition"], s["support"])
            for s in data["syscalls"]]
    assert_counts_match(table, rows)


@pytest.mark.parametrize("arch", ARCHES)
def test_csv_report_rows_match_the_table(arch: str) -> None:
    table = load_table(arch)
    records = list(csv.DictReader(io.StringIO(report(arch, "csv"))))
    rows = [(r["number"], r["name"], r["disposition"], r["support"]) for r in records]
    assert_counts_match(table, rows)


@pytest.mark.parametrize("arch", ARCHES)
def test_markdown_report_counts_match_the_table(arch: str) -> None:
    table = load_table(arch)
    text = report(arch, "markdown")
    assert summary_numbers(text) == expected_summary(table)
    cells = [[c.strip() for c in line.strip("|").split(" | ")]
             for line in text.splitlines() if line.startswith("| ")]
    count_rows = {(c[0], c[1]): int(c[2]) for c in cells if c[0] in ("disposition", "support")}
    counts = table.counts()
    assert count_rows == {**{("disposition", d.value): n
                             for d, n in counts.by_disposition.items()},
                          **{("support", s.value): n for s, n in counts.by_support.items()}}
    rows = [(c[0], c[1], c[2], c[3]) for c in cells if c[0].isdigit()]
    assert_counts_match(table, rows)


@pytest.mark.parametrize("arch", ARCHES)
def test_text_table_report_counts_match_the_table(arch: str) -> None:
    table = load_table(arch)
    text = report(arch, "table")
    assert summary_numbers(text) == expected_summary(table)
    counts = table.counts()
    assert ("By disposition: " + ", ".join(f"{d.value} {n}" for d, n in
                                           counts.by_disposition.items())) in text
    rows = [tuple(line.split()[:4]) for line in text.splitlines()
            if line[:1].isdigit() and line.split()[0].isdigit()]
    assert_counts_match(table, rows)  # type: ignore[arg-type]


@pytest.mark.parametrize("arch", ARCHES)
def test_html_report_counts_match_the_table(arch: str) -> None:
    table = load_table(arch)
    text = report(arch, "html")
    assert summary_numbers(text) == expected_summary(table)
    collector = CellCollector("syscalls")
    collector.feed(text)
    rows = [(r[0], r[1], r[2], r[3]) for r in collector.rows if r]
    assert_counts_match(table, rows)
    assert 'id="disposition-chart"' in text


def test_deny_rows_name_their_errno_and_others_have_none() -> None:
    table = load_table("x86_64")
    data = json.loads(report("x86_64", "json"))
    for entry, shown in zip(table.entries, data["syscalls"], strict=True):
        if entry.disposition is Disposition.DENY:
            assert shown["errno"].startswith("E"), entry.name
        else:
            assert shown["errno"] == "", entry.name
        assert shown["note"] == entry.note
