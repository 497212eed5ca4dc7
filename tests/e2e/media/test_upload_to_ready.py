"""A real tus client (tuspy) and `cinemesh ingest` against the whole platform, both shapes.

Upload interrupted and resumed -> probed -> ladder -> `ready`; the catalog hears of it and the
title becomes ready; ffmpeg plays the master playlist over HTTP; other users see nothing.
"""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from tusclient import client as tus

from tests.fixtures.media import ffmpeg_exe, served_directory
from tests.fixtures.platform import RunningPlatform

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("platform")]


def new_title(client: httpx.Client) -> str:
    created = client.post("/api/v1/titles", json={"title": f"Clip {uuid.uuid4().hex[:6]}", "type": "movie"})
    assert created.status_code == 201, created.text
    title_id: str = created.json()["id"]
    return title_id


def wait_for_video(client: httpx.Client, video_id: str, timeout: float = 150) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(f"/api/v1/videos/{video_id}")
        assert response.status_code == 200, response.text
        video: dict[str, Any] = response.json()
        if video["status"] in ("ready", "failed") or time.monotonic() > deadline:
            return video
        time.sleep(0.5)


def test_tuspy_upload_interrupted_and_resumed_becomes_a_playable_ladder(
    platform: RunningPlatform, admin: httpx.Client, media_clip: Callable[[str], Path]
) -> None:
    clip = media_clip("landscape.mp4")
    title_id = new_title(admin)
    token = admin.headers["Authorization"].removeprefix("Bearer ")
    client = tus.TusClient(
        f"{platform.base_url}/api/v1/uploads", headers={"Authorization": f"Bearer {token}"}
    )
    chunk = clip.stat().st_size // 3 + 1
    meta = {"title_id": title_id, "filename": clip.name}
    # tuspy leaves a file it opened itself unclosed; give it streams we close.
    with clip.open("rb") as stream:
        first = client.uploader(file_stream=stream, chunk_size=chunk, metadata=meta, upload_checksum=True)
        first.upload_chunk()  # then the "client crashes": this uploader is dropped
        assert 0 < first.offset < clip.stat().st_size
        upload_url = str(first.url)
    head = admin.head(upload_url, headers={"Tus-Resumable": "1.0.0"})
    assert head.headers["upload-offset"] == str(first.offset)

    with clip.open("rb") as stream:
        resumed = client.uploader(
            file_stream=stream, url=upload_url, chunk_size=chunk, metadata=meta, upload_checksum=True
        )
        assert resumed.offset == first.offset  # tuspy asked the server (HEAD) where to go on from
        resumed.upload()
    video_id = upload_url.rstrip("/").rsplit("/", 1)[-1]

    video = wait_for_video(admin, video_id)
    assert video["status"] == "ready", (video, platform.log_tail())
    assert [r["height"] for r in video["renditions"]] == [240, 360, 480]
    assert all(r["codecs"].startswith("avc1.64") and r["vmaf"] for r in video["renditions"])

    # The catalog consumed media.video.transcoded.v1: the title plays this video now.
    deadline = time.monotonic() + 30
    while admin.get(f"/api/v1/titles/{title_id}").json()["status"] != "ready" and time.monotonic() < deadline:
        time.sleep(0.3)
    assert admin.get(f"/api/v1/titles/{title_id}").json()["status"] == "ready"

    # Any HLS client can play what was packaged: ffmpeg reads the master over HTTP.
    objects = Path(platform.env["CINEMESH_DATA_DIR"]) / "objects" / "data"
    with served_directory(objects) as base:
        result = subprocess.run(
            [
                ffmpeg_exe(),
                "-v",
                "error",
                "-i",
                f"{base}/{video['manifests']['hls']}",
                "-map",
                "0",
                "-f",
                "null",
                "-",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def test_other_users_cannot_see_the_video(platform: RunningPlatform, admin: httpx.Client) -> None:
    title_id = new_title(admin)
    created = admin.post(
        "/api/v1/uploads",
        headers={
            "Tus-Resumable": "1.0.0",
            "Upload-Length": "100",
            "Upload-Metadata": "title_id " + __import__("base64").b64encode(title_id.encode()).decode(),
        },
    )
    assert created.status_code == 201, created.text
    video_id = created.headers["location"].rsplit("/", 1)[-1]
    suffix = uuid.uuid4().hex[:10]
    account = {
        "email": f"v-{suffix}@example.com",
        "username": f"v_{suffix}",
        "password": "correct horse battery",
        "country": "DE",
    }
    assert admin.post("/api/v1/auth/register", json=account).status_code == 201
    with httpx.Client(base_url=platform.base_url, timeout=30) as viewer:
        token = viewer.post(
            "/api/v1/auth/login", json={"email": account["email"], "password": account["password"]}
        )
        viewer.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        assert viewer.get(f"/api/v1/videos/{video_id}").status_code == 404
        refused = viewer.post("/api/v1/uploads", headers={"Tus-Resumable": "1.0.0", "Upload-Length": "10"})
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"


def test_cinemesh_ingest_uploads_with_a_progress_bar_and_waits_for_ready(
    platform: RunningPlatform, media_clip: Callable[[str], Path]
) -> None:
    result = platform.cli(
        "ingest",
        str(media_clip("small.mp4")),
        "--title",
        f"Ingested {uuid.uuid4().hex[:6]}",
        "--url",
        platform.base_url,
        "--email",
        platform.admin_email,
        "--password",
        platform.admin_password,
        "--chunk-mib",
        "1",
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    video_id = result.stdout.strip().splitlines()[-1]
    uuid.UUID(video_id)
    assert "Ready: 180p" in result.stderr  # a 320x180 source: one rung, never upscaled
