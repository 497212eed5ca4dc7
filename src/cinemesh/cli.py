"""`cinemesh`: run the platform, one service, the workers, and look at the event log."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cinemesh.platform.secret_file import describe_mode, describe_secret, ensure_secret
from cinemesh.platform.settings import Settings

app = typer.Typer(help="cinemesh: a video streaming platform you can run.", no_args_is_help=True)
events_app = typer.Typer(help="Look at and replay the event log.", no_args_is_help=True)
app.add_typer(events_app, name="events")
# Service commands (`cinemesh catalog import`, `cinemesh ingest`, ...) are registered below,
# one line each, by `register_service_commands`.
console = Console()

HostOption = Annotated[str | None, typer.Option(envvar="CINEMESH_HOST", help="Address to listen on.")]
PortOption = Annotated[int | None, typer.Option(envvar="CINEMESH_PORT", help="Port to listen on.")]
DataDirOption = Annotated[
    Path | None, typer.Option(envvar="CINEMESH_DATA_DIR", help="Where embedded data lives.")
]


def _export(host: str | None, port: int | None, data_dir: Path | None) -> Settings:
    """CLI options become the environment the server process's settings are read from."""
    if host is not None:
        os.environ["CINEMESH_HOST"] = host
    if port is not None:
        os.environ["CINEMESH_PORT"] = str(port)
    if data_dir is not None:
        os.environ["CINEMESH_DATA_DIR"] = str(data_dir)
    # dev_mode forced for this first read only: a missing secret must not fail before the data
    # directory's own is in place (the built-in one is never used by the CLI).
    probe = Settings(dev_mode=True)
    probe.data_dir.mkdir(parents=True, exist_ok=True)
    ensure_secret(probe)
    return Settings()  # validates now, so a bad setting fails here and not in a worker


def _serve(target: str, settings: Settings) -> None:
    from granian import Granian
    from granian.constants import Interfaces

    Granian(
        target,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        workers=1,
        factory=True,
        log_enabled=False,
    ).serve()


@app.command()
def up(
    host: HostOption = None,
    port: PortOption = None,
    data_dir: DataDirOption = None,
    demo: Annotated[
        bool, typer.Option("--demo/--no-demo", envvar="CINEMESH_DEMO", help="Seed a demo catalog when empty.")
    ] = True,
) -> None:
    """Run every service behind the gateway in one process, on embedded backends."""
    os.environ["CINEMESH_DEMO"] = "true" if demo else "false"
    settings = _export(host, port, data_dir)
    console.print(f"Starting cinemesh on {settings.base_url} (data in {settings.data_dir.resolve()}) ...")
    console.print(f"Secret: {describe_secret(settings)}. Mode: {describe_mode(settings)}.")
    _serve("cinemesh.composition:platform_app_from_env", settings)


@app.command()
def serve(
    service: Annotated[str, typer.Argument(help="gateway, users, catalog, media, delivery, ...")],
    host: HostOption = None,
    port: PortOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Run one service (or the gateway) alone; it finds the others through CINEMESH_UPSTREAMS."""
    from cinemesh.composition import SERVE_SERVICE_ENV, SERVICE_NAMES

    if service not in ("gateway", *SERVICE_NAMES):
        raise typer.BadParameter(f"choose one of: gateway, {', '.join(SERVICE_NAMES)}", param_hint="SERVICE")
    os.environ[SERVE_SERVICE_ENV] = service
    settings = _export(host, port, data_dir)
    console.print(f"Serving {service} on {settings.base_url}")
    console.print(f"Secret: {describe_secret(settings)}. Mode: {describe_mode(settings)}.")
    _serve("cinemesh.composition:service_app_from_env", settings)


@app.command()
def worker(data_dir: DataDirOption = None) -> None:
    """Run the background side of every service: outbox relays and event consumers, no HTTP.

    Scale API processes and workers separately; both share the same databases and event bus.
    """
    from cinemesh.worker import run_worker

    settings = _export(None, None, data_dir)
    asyncio.run(run_worker(settings))


@events_app.command("tail")
def events_tail(
    topic: Annotated[str, typer.Argument(help="e.g. catalog.title")],
    from_beginning: Annotated[bool, typer.Option(help="Start at the first event, not the end.")] = False,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep waiting for new events.")] = False,
    limit: Annotated[int | None, typer.Option(help="Stop after this many events.")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Print events of a topic as they arrive."""
    from cinemesh.event_tools import tail

    settings = _export(None, None, data_dir)
    asyncio.run(
        tail(settings, topic, from_beginning=from_beginning, follow=follow, limit=limit, console=console)
    )


@events_app.command("replay")
def events_replay(
    group: Annotated[str, typer.Argument(help="Consumer group, e.g. catalog.read-model")],
    start: Annotated[
        str, typer.Option("--from", help="An offset (0 = the beginning) or an ISO-8601 time.")
    ] = "0",
    data_dir: DataDirOption = None,
) -> None:
    """Rewind a consumer group so it processes its topics again (read models rebuild)."""
    from cinemesh.event_tools import replay

    to_offset: int | None = None
    to_time: dt.datetime | None = None
    if start.isdigit():
        to_offset = int(start)
    else:
        try:
            to_time = dt.datetime.fromisoformat(start)
        except ValueError as exc:
            raise typer.BadParameter(
                "use an offset like 0 or a time like 2026-01-31T12:00:00Z", param_hint="--from"
            ) from exc
        to_time = to_time if to_time.tzinfo else to_time.replace(tzinfo=dt.UTC)
    settings = _export(None, None, data_dir)
    asyncio.run(replay(settings, group, to_offset=to_offset, to_time=to_time, console=console))


def register_service_commands() -> None:
    """Each service may ship a typer app of operator commands in its own `cli.py`."""
    from cinemesh.catalog.cli import app as catalog_app

    app.add_typer(catalog_app, name="catalog")
    from cinemesh.history.cli import app as history_app

    app.add_typer(history_app, name="history")
    from cinemesh.media.cli import app as media_app

    app.registered_commands.extend(media_app.registered_commands)


register_service_commands()
