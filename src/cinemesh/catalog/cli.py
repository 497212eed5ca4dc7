"""`cinemesh catalog ...`: operator commands of the catalog service."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from cinemesh.catalog.bootstrap import NAME
from cinemesh.catalog.importer import Importer, ImportReport
from cinemesh.platform.db import Database
from cinemesh.platform.migrations import upgrade_to_head
from cinemesh.platform.settings import Settings
from cinemesh.platform.tokens import Principal

app = typer.Typer(help="Catalog operator commands.", no_args_is_help=True)

MIGRATIONS = Path(__file__).parent / "migrations"


async def import_file(settings: Settings, path: Path, *, owner: str) -> ImportReport:
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
            return await Importer(database=database).run(lines, principal=operator)
    finally:
        await database.dispose()


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
    report = asyncio.run(import_file(settings, file, owner=owner))
    typer.echo(json.dumps(report.as_dict(), indent=2))
    if report.errors:
        raise typer.Exit(code=1)
