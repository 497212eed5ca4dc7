"""DASH with CENC for the W3C ClearKey system: the session MPD signals ClearKey, the licence
returns the key, and the segments decrypt (only) with it."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from pathlib import Path

import imageio_ffmpeg
import pytest

from cinemesh.delivery.drm.cenc import display_aspect_ratio
from cinemesh.delivery.drm.clearkey import b64url_decode
from tests.fixtures.cmaf import CmafVideo, generate
from tests.integration.delivery.harness import running_delivery

pytestmark = pytest.mark.timeout(120)
NS = {"mpd": "urn:mpeg:dash:schema:mpd:2011", "cenc": "urn:mpeg:cenc:2013"}


async def _decode(track: Path, key_hex: str | None) -> int:
    args = ["-decryption_key", key_hex] if key_hex else []
    process = await asyncio.create_subprocess_exec(
        imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-v", "error", *args,
        "-i", str(track), "-f", "null", "-",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    return await process.wait()


async def test_cenc_package_plays_only_with_the_clearkey_licence(
    tmp_path: Path, cmaf_video: CmafVideo
) -> None:
    async with running_delivery(tmp_path, cmaf_video) as h:
        await h.publish_title()
        await h.app.state.context.packager.wait_idle()
        viewer = await h.viewer(tier="basic")
        session = (await h.start(viewer)).json()
        dash = session["drm"]["dash"]
        assert dash["key_system"] == "org.w3.clearkey"

        mpd = ET.fromstring((await h.client.get(session["dash_url"])).text)  # noqa: S314 - our own MPD
        adaptations = mpd.findall("mpd:Period/mpd:AdaptationSet", NS)
        assert sorted(a.get("contentType", "") for a in adaptations) == ["audio", "video"]
        assert all(a.find("mpd:ContentProtection", NS) is not None for a in adaptations)  # audio too
        adaptation = next(a for a in adaptations if a.get("contentType") == "video")
        schemes = {cp.get("schemeIdUri"): cp for cp in adaptation.findall("mpd:ContentProtection", NS)}
        assert schemes["urn:mpeg:dash:mp4protection:2011"].get("value") == "cenc"
        assert "urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e" in schemes
        default_kid = schemes["urn:mpeg:dash:mp4protection:2011"].get(f"{{{NS['cenc']}}}default_KID")
        assert default_kid is not None and b64url_decode(dash["kid"]).hex() == default_kid.replace("-", "")
        representations = adaptation.findall("mpd:Representation", NS)
        assert sorted(int(r.get("height", "0")) for r in representations) == [480, 720]  # basic plan

        licence = await h.client.post(
            f"/api/v1/playback/{session['session_id']}/license",
            headers=viewer.auth,
            json={"kids": [dash["kid"]]},
        )
        key_hex = b64url_decode(licence.json()["keys"][0]["k"]).hex()

        top = max(representations, key=lambda r: int(r.get("height", "0")))
        base = top.findtext("mpd:BaseURL", namespaces=NS)
        template = top.find("mpd:SegmentTemplate", NS)
        assert base is not None and template is not None
        rep_id = top.get("id", "")
        init = template.get("initialization", "").replace("$RepresentationID$", rep_id)
        media = template.get("media", "").replace("$RepresentationID$", rep_id)
        track = tmp_path / "track.mp4"
        parts = [init] + [media.replace("$Number%05d$", f"{n:05d}") for n in (1, 2)]
        with track.open("wb") as out:
            for part in parts:
                response = await h.client.get(base + part)
                assert response.status_code == 200, (base + part, response.text)
                out.write(response.content)
        assert await _decode(track, key_hex) == 0
        assert await _decode(track, None) != 0  # the samples really are encrypted

        # The 1080p representation exists in the package but the session's tokens do not open it.
        above = (base + init).replace(f"/r{rep_id}/", "/r2/")
        assert (await h.client.get(above)).status_code == 403


async def test_rungs_rounded_to_even_sizes_still_package_for_clearkey(tmp_path: Path) -> None:
    """A 16:9 ladder's 426x240 rung is not exactly 16:9; the DASH muxer used to refuse the set."""
    ladder = ((240, 426, 300_000), (360, 640, 500_000), (720, 1280, 700_000))
    video = generate(tmp_path / "video", rungs=ladder)
    async with running_delivery(tmp_path / "delivery", video) as h:
        await h.publish_title()
        await h.app.state.context.packager.wait_idle()
        viewer = await h.viewer(tier="basic")
        session = (await h.start(viewer)).json()
        assert session["drm"]["dash"]["key_system"] == "org.w3.clearkey"
        mpd = ET.fromstring((await h.client.get(session["dash_url"])).text)  # noqa: S314 - our own MPD
        video_set = next(
            a for a in mpd.findall("mpd:Period/mpd:AdaptationSet", NS) if a.get("contentType") == "video"
        )
        assert video_set.get("par") == "16:9"
        heights = sorted(int(r.get("height", "0")) for r in video_set.findall("mpd:Representation", NS))
        assert heights == [240, 360, 720]


def test_display_aspect_ratio_is_the_top_rungs_in_lowest_terms() -> None:
    rungs = [{"width": 426, "height": 240}, {"width": 1920, "height": 1080}, {"width": 640, "height": 360}]
    assert display_aspect_ratio(rungs) == "16:9"
    assert display_aspect_ratio([{"width": 1080, "height": 1920}]) == "9:16"
