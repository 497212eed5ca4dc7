"""`cinemesh catalog import FILE.jsonl` against an embedded data dir."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cinemesh.cli import app


def test_cli_import_reports_bad_lines_and_is_idempotent(tmp_path: Path) -> None:
    rows = [
        {"external_id": "cli-1", "title": "From the CLI", "type": "movie", "genres": ["drama"]},
        {"external_id": "cli-2", "title": "", "type": "movie"},
    ]
    file = tmp_path / "titles.jsonl"
    file.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    runner = CliRunner()
    args = ["catalog", "import", str(file), "--data-dir", str(tmp_path / "data")]

    first = runner.invoke(app, args)
    assert first.exit_code == 1, first.output  # one line failed
    report = json.loads(first.output)
    assert (
        report["created"] == 1
        and report["errors"][0]["line"] == 2
        and report["errors"][0]["field"] == "title"
    )

    file.write_text(json.dumps(rows[0]) + "\n")
    second = runner.invoke(app, args)
    assert second.exit_code == 0, second.output
    assert json.loads(second.output)["unchanged"] == 1

    missing = runner.invoke(app, ["catalog", "import", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 2
