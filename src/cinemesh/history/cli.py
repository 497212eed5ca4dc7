"""`cinemesh history reshard`: moves users onto the shards CINEMESH_HISTORY_SHARDS adds, online.

Run it after the history processes were restarted with the new database in the list (they use
it as soon as the move starts). It shows a bar per pass; a stopped run is continued by running
it again (see `reshard.py`).
"""

from __future__ import annotations

import asyncio

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from cinemesh.history.reshard import ReshardReport

app = typer.Typer(help="Viewing-history operator commands.")
console = Console(stderr=True)


async def _run() -> ReshardReport:
    # Imported here: `cinemesh --help` and every other command start without the service.
    from cinemesh.history.bootstrap import MIGRATIONS, NAME
    from cinemesh.history.reshard import reshard
    from cinemesh.history.settings import HistorySettings
    from cinemesh.history.shards import HistoryShards
    from cinemesh.platform.db import Database
    from cinemesh.platform.settings import Settings

    history_settings = HistorySettings()
    if not history_settings.shards:
        raise typer.BadParameter("CINEMESH_HISTORY_SHARDS names no shards: nothing to reshard")
    primary = Database.for_service(Settings(), NAME)
    shards = HistoryShards(primary=primary, urls=history_settings.shards)
    columns = (TextColumn("moving users"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    try:
        await shards.start(service=NAME, migrations=MIGRATIONS, bus=None)
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("move", total=None)

            def moved(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            return await reshard(shards, progress_to=moved)
    finally:
        await shards.stop()
        await primary.dispose()


@app.command("reshard")
def reshard_command() -> None:
    """Add the spare shards to the ring and move the users it gives them, while the service runs."""
    report = asyncio.run(_run())
    if not report.added:
        console.print("The ring already holds every configured shard: nothing to move.")
        return
    share = report.slots_moved / report.slots if report.slots else 0
    console.print(
        f"Added {', '.join(report.added)}: moved {report.moved} users ({share:.2%} of the ring's slots)."
    )
