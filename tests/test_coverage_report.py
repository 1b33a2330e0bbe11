"""`runsc-py coverage report`: text, markdown and HTML views of a run's record; the HTML
page renders in headless Chromium with its chart of calls by disposition."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sentry.coverage.record import CoverageRecorder, RunFacts, build_record
from sentry.coverage.report import render
from sentry.platform.base import Response
from syscall_tables import load_table

RUNSC_PY = Path(__file__).resolve().parent.parent / "runsc.py"
CHROMIUM_TIMEOUT = 120.0  # a hung browser fails the test; not a performance threshold


def sample_record() -> dict[str, Any]:
    """A full-coverage record of a small run: reads, an emulated getuid, a gofer openat
    that failed twice, a denied mount."""
    table = load_table("x86_64")
    recorder = CoverageRecorder(table)
    for name, response, times in (
            ("read", Response(continue_call=True), 5),
            ("getuid", Response(value=0), 1),
            ("openat", Response(value=3), 2),
            ("openat", Response.error(2), 2),
            ("mount", Response.error(1), 1)):
        for _ in range(times):
            recorder.record(table.by_name[name], response)
    facts = RunFacts(mode="full", platform="seccomp", command=["/bin/prog", "a b"],
                     exit_status=3)
    return build_record(recorder, facts)


def write_record(tmp_path: Path) -> Path:
    path = tmp_path / "coverage.json"
    path.write_text(json.dumps(sample_record()))
    return path


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(RUNSC_PY), *map(str, args)],
                          capture_output=True, text=True)


def test_record_totals_add_up_by_disposition_and_handling() -> None:
    record = sample_record()
    totals = record["totals"]
    assert totals["calls"] == 11
    assert totals["errors"] == 3
    assert totals["by_disposition"]["passthrough"] == 5
    assert totals["by_disposition"]["deny"] == 1
    assert totals["by_handling"] == {"emulated": 5, "checked-continued": 0, "denied": 1,
                                     "passthrough-continued": 5}
    assert [c["name"] for c in record["syscalls"]] == ["read", "openat", "getuid", "mount"]


def test_text_report_puts_what_the_sandbox_does_not_fully_support_first() -> None:
    text = render(sample_record(), "text")
    head, _, rest = text.partition("Calls, most frequent first:")
    assert "Command: /bin/prog 'a b'" in head
    assert "exit status 3" in head
    assert "mount" in head and "denied 1" in head and "EPERM 1" in head
    assert "getuid" not in head  # fully supported: only in the full list
    assert "getuid" in rest and "ENOENT 2" in rest


def test_markdown_report_has_one_table_row_per_call() -> None:
    text = render(sample_record(), "markdown")
    calls_section = text.split("## Calls, most frequent first")[1].split("## Not counted")[0]
    rows = [line for line in calls_section.splitlines() if line.startswith("| ")][1:]
    assert [row.split(" | ")[0].strip("| ") for row in rows] == [
        "read", "openat", "getuid", "mount"]


def test_report_of_a_file_that_is_not_a_record_fails_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text('{"hello": 1}')
    result = cli("coverage", "report", path)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "not a runsc-py coverage record" in result.stderr


def test_html_report_renders_in_headless_chromium_with_its_chart(tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (setup.sh installs Debian's chromium)")
    page = tmp_path / "report.html"
    result = cli("coverage", "report", write_record(tmp_path), "--format", "html", "-o", page)
    assert result.returncode == 0, result.stderr
    flags = [chromium, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}"]
    screenshot = tmp_path / "report.png"
    subprocess.run([*flags, f"--screenshot={screenshot}", "--window-size=1200,1600",
                    page.as_uri()], capture_output=True, timeout=CHROMIUM_TIMEOUT, check=True)
    dom = subprocess.run([*flags, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=CHROMIUM_TIMEOUT, check=True).stdout

    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert '<svg id="disposition-chart"' in dom
    assert 'data-key="passthrough" data-value="5"' in dom
    assert 'id="not-fully-supported"' in dom
