"""Writes one benchmark's figures into its own section of docs/benchmarks.md.

Each benchmark owns the text between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`, so
benchmarks run one at a time or all together never overwrite each other's results.
"""

from __future__ import annotations

import datetime as dt
import platform
from pathlib import Path

REPORT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
HEADER = (
    "# Benchmarks\n\n"
    "Every figure is a ratio against a baseline measured in the same run on the same machine.\n"
    "Regenerate with `make bench` (all) or `.venv/bin/python -m bench.NAME` (one).\n"
)


def machine_line() -> str:
    import os

    return f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores"


def write_section(name: str, markdown: str, *, report: Path = REPORT) -> None:
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = f"{start}\n_Measured {stamp} on {machine_line()}._\n\n{markdown.strip()}\n{end}"
    text = report.read_text() if report.exists() else HEADER
    if start in text and end in text:
        before, rest = text.split(start, 1)
        _, after = rest.split(end, 1)
        text = before + body + after
    else:
        text = text.rstrip() + "\n\n" + body + "\n"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(text)
