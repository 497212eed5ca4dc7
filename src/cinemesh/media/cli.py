"""`cinemesh ingest FILE --title ...`: upload a video with tus and follow it to ready.

The upload goes through the gateway like any client's: a bearer token (from `--token`, the
`CINEMESH_TOKEN` environment variable, or a login with `--email`/`--password`), tus chunks with
SHA-1 checksums, resumable: an interrupted run prints the upload URL, and `--resume URL` picks
the upload up at the offset the server reports.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Annotated, Any, BinaryIO

import httpx
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from tusclient.exceptions import TusCommunicationError

app = typer.Typer(help="Media operator commands.")
console = Console(stderr=True)
MIB = 1024 * 1024


def _login(client: httpx.Client, email: str, password: str) -> str:
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    if response.status_code != 200:
        raise typer.BadParameter(f"login failed: {_detail(response)}", param_hint="--email/--password")
    token: str = response.json()["access_token"]
    return token


def _detail(response: httpx.Response) -> str:
    try:
        body: dict[str, Any] = response.json()
        return str(body.get("detail") or response.text)
    except ValueError:
        return f"HTTP {response.status_code}"


def _title_id(client: httpx.Client, title: str) -> str:
    """An existing title's id as given, or a new draft movie named `title`."""
    try:
        return str(uuid.UUID(title))
    except ValueError:
        pass
    response = client.post("/api/v1/titles", json={"title": title, "type": "movie"})
    if response.status_code != 201:
        raise typer.BadParameter(f"could not create the title: {_detail(response)}", param_hint="--title")
    title_id: str = response.json()["id"]
    console.print(f"Created title [bold]{title}[/] ({title_id})")
    return title_id


def _upload(url: str, token: str, file: Path, title_id: str, chunk_bytes: int, resume: str | None) -> str:
    with file.open("rb") as stream:
        return _upload_stream(url, token, stream, file, title_id, chunk_bytes, resume)


def _upload_stream(
    url: str, token: str, stream: BinaryIO, file: Path, title_id: str, chunk_bytes: int, resume: str | None
) -> str:
    from tusclient import client as tus

    uploader = tus.TusClient(f"{url}/api/v1/uploads", headers={"Authorization": f"Bearer {token}"}).uploader(
        file_stream=stream,
        url=resume,
        chunk_size=chunk_bytes,
        metadata={"title_id": title_id, "filename": file.name},
        upload_checksum=True,
        retries=3,
        retry_delay=2,
    )
    columns = (
        TextColumn("[bold]upload"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console) as progress:
        size = file.stat().st_size
        task = progress.add_task("upload", total=size, completed=uploader.offset)
        while uploader.offset < size:
            try:
                uploader.upload_chunk()
            except Exception as exc:
                console.print(f"[red]Upload interrupted:[/] {exc}\nResume with: --resume {uploader.url}")
                raise typer.Exit(1) from exc
            progress.update(task, completed=uploader.offset)
    return str(uploader.url).rstrip("/").rsplit("/", 1)[-1]


def _follow(client: httpx.Client, video_id: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        console=console,
    ) as progress:
        task = progress.add_task("queued", total=100)
        while True:
            response = client.get(f"/api/v1/videos/{video_id}")
            response.raise_for_status()
            video: dict[str, Any] = response.json()
            progress.update(task, completed=video["progress"], description=video["stage"] or video["status"])
            if video["status"] in ("ready", "failed") or time.monotonic() > deadline:
                return video
            time.sleep(1.0)


@app.command()
def ingest(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="The video file.")],
    title: Annotated[str, typer.Option(help="A title id, or the name of a new draft title to create.")],
    url: Annotated[
        str | None,
        typer.Option(
            envvar="CINEMESH_URL", help="The gateway [default: http://127.0.0.1:$CINEMESH_PORT, 8000]."
        ),
    ] = None,
    token: Annotated[str | None, typer.Option(envvar="CINEMESH_TOKEN", help="A bearer access token.")] = None,
    email: Annotated[str | None, typer.Option(help="Log in with this account instead of --token.")] = None,
    password: Annotated[str | None, typer.Option(envvar="CINEMESH_PASSWORD", hide_input=True)] = None,
    chunk_mib: Annotated[int, typer.Option(min=1, max=1024, help="Size of each tus PATCH.")] = 8,
    resume: Annotated[str | None, typer.Option(help="Upload URL of an interrupted run.")] = None,
    wait: Annotated[bool, typer.Option(help="Follow processing until the video is ready.")] = True,
    timeout: Annotated[float, typer.Option(help="Seconds to follow processing.")] = 3600,
) -> None:
    """Upload FILE (tus, resumable) for a title and follow its processing."""
    if token is None and not (email and password):
        raise typer.BadParameter("give --token (or CINEMESH_TOKEN), or --email and --password")
    base_url = gateway_url(url)
    try:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            if token is None:
                assert email and password
                token = _login(client, email, password)
            client.headers["Authorization"] = f"Bearer {token}"
            title_id = _title_id(client, title)
            video_id = _upload(base_url, token, file, title_id, chunk_mib * MIB, resume)
            console.print(f"Uploaded [bold]{file.name}[/] as video {video_id}")
            typer.echo(video_id)
            if not wait:
                return
            video = _follow(client, video_id, timeout)
    except (httpx.TransportError, TusCommunicationError) as exc:
        # One line, not a traceback: almost always no server at that address.
        reason = unreachable_reason(exc)
        console.print(
            f"Error: cannot reach the gateway at {base_url} ({reason}); {NO_SERVER_HINT}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1) from None
    if video["status"] != "ready":
        console.print(f"[red]Video {video_id} is {video['status']}:[/] {video.get('error') or 'timed out'}")
        raise typer.Exit(1)
    console.print(ready_message(base_url, title_id, video), markup=False, highlight=False, soft_wrap=True)


WORLDWIDE_BODY = '[{"country": "*", "starts_at": "2020-01-01T00:00:00Z"}]'
NO_SERVER_HINT = "is `cinemesh up` running? Set --url, CINEMESH_URL or CINEMESH_PORT."


def gateway_url(url: str | None) -> str:
    """--url or CINEMESH_URL, else this machine on the port `cinemesh up` listens on (CINEMESH_PORT)."""
    if url:
        return url.rstrip("/")
    return f"http://127.0.0.1:{os.environ.get('CINEMESH_PORT') or 8000}"


def unreachable_reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[-1] if text else type(exc).__name__


def ready_message(base_url: str, title_id: str, video: dict[str, Any]) -> str:
    """What was made, and the one step left: a ready title is seen by no one until it is published
    (with an availability window)."""
    heights = ", ".join(f"{r['height']}p" for r in video["renditions"])
    return (
        f"Ready: {heights}\n"
        f"Title: {base_url}/admin/title/{title_id}\n"
        f"Next: publish it there (set its availability, then Publish), or over the API:\n"
        f"  curl -X PUT {base_url}/api/v1/titles/{title_id}/availability -H 'authorization: Bearer ...' "
        f"-H 'content-type: application/json' -d '{WORLDWIDE_BODY}'\n"
        f"  curl -X POST {base_url}/api/v1/titles/{title_id}/publish -H 'authorization: Bearer ...'\n"
        f"Viewers will find it at {base_url}/title/{title_id}"
    )
