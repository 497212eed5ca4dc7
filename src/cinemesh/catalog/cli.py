"""`cinemesh catalog ...`: operator commands of the catalog service."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
from rich.progress import Progress as BarProgress

from cinemesh.catalog.bootstrap import MIGRATIONS, NAME
from cinemesh.catalog.write.service.importer import Importer, ImportReport, Progress
from cinemesh.platform.db import Database
from cinemesh.platform.migrations import upgrade_to_head
from cinemesh.platform.settings import Settings
from cinemesh.platform.tokens import Principal

app = typer.Typer(help="Catalog operator commands.", no_args_is_help=True)


async def import_file(
    settings: Settings, path: Path, *, owner: str, progress: Progress | None = None
) -> ImportReport:
    """Upserts the file's rows straight into the catalog database (as an admin); the events they
    record are published by the catalog's outbox relay when the service runs."""
    database = Database.for_service(settings, NAME)
    try:
        await upgrade_to_head(database, service=NAME, script_location=MIGRATIONS)
        operator = Principal(
            user_id=owner,
            roles=frozenset({"admin"}),
            token_id="cli",  # noqa: S106 - an identifier, not a secret
            expires_at=dt.datetime.max.replace(tzinfo=dt.UTC),
        )
        with path.open("rb") as lines:
            return await Importer(database=database).run(lines, principal=operator, progress=progress)
    finally:
        await database.dispose()


def _count_lines(path: Path) -> int:
    with path.open("rb") as file:
        return sum(1 for _ in file)


async def _import_with_bar(settings: Settings, path: Path, *, owner: str) -> ImportReport:
    """The import with a progress bar on the terminal (stderr, so the JSON report on stdout stays
    clean; nothing is drawn when stderr is not a terminal)."""
    console = Console(stderr=True)
    columns = (
        TextColumn("[bold]import"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(
            "lines · {task.fields[created]} new, {task.fields[updated]} updated, {task.fields[failed]} bad"
        ),
        TimeRemainingColumn(),
    )
    with BarProgress(*columns, console=console, disable=not console.is_terminal) as bar:
        task = bar.add_task("import", total=_count_lines(path), created=0, updated=0, failed=0)

        async def advance(report: ImportReport, lines_read: int) -> None:
            bar.update(
                task,
                completed=lines_read,
                created=report.created,
                updated=report.updated,
                failed=len(report.errors),
            )

        return await import_file(settings, path, owner=owner, progress=advance)


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="A .jsonl file")],
    owner: Annotated[
        str, typer.Option(help="User id recorded as the creator of new titles (their content provider).")
    ] = "cinemesh-cli",
    data_dir: Annotated[
        Path | None, typer.Option(envvar="CINEMESH_DATA_DIR", help="Where embedded data lives.")
    ] = None,
) -> None:
    """Bulk upsert titles by external_id from JSON Lines; prints a JSON report, exits 1 if a line failed."""
    settings = Settings(data_dir=data_dir) if data_dir is not None else Settings()
    report = asyncio.run(_import_with_bar(settings, file, owner=owner))
    typer.echo(json.dumps(report.as_dict(), indent=2))
    if report.errors:
        raise typer.Exit(code=1)
