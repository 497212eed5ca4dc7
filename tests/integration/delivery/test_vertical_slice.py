"""A session for a projected published title -> a signed HLS master -> ffmpeg plays it."""

from __future__ import annotations

from pathlib import Path

import m3u8

from tests.fixtures.cmaf import CmafVideo
from tests.integration.delivery.harness import ffmpeg_play, running_delivery, served_over_http


async def test_session_manifest_lists_allowed_renditions_with_signed_uris(
    tmp_path: Path, cmaf_video: CmafVideo
) -> None:
    async with running_delivery(tmp_path, cmaf_video) as h:
        await h.publish_title()
        viewer = await h.viewer(tier="basic")
        response = await h.start(viewer)
        assert response.status_code == 201, response.text
        session = response.json()
        master = await h.client.get(session["hls_url"])
        assert master.status_code == 200
        assert master.headers["content-type"].startswith("application/vnd.apple.mpegurl")
        assert master.headers["cache-control"].startswith("private")
        playlist = m3u8.loads(master.text)
        assert sorted(p.stream_info.resolution[1] for p in playlist.playlists) == [480, 720]
        media = await h.client.get(playlist.playlists[-1].uri)
        assert media.status_code == 200, media.text
        assert "METHOD=AES-128" in media.text
        assert all(
            line.startswith("/api/v1/stream/") for line in media.text.splitlines() if not line.startswith("#")
        )


async def test_ffmpeg_plays_the_encrypted_hls_session_through_the_origin(
    tmp_path: Path, cmaf_video: CmafVideo
) -> None:
    async with running_delivery(tmp_path, cmaf_video) as h, served_over_http(h.app) as origin:
        await h.publish_title()
        viewer = await h.viewer(tier="standard")
        session = (await h.start(viewer)).json()
        hls_url = origin + session["hls_url"].removeprefix("http://origin.test")
        code, log, frames = await ffmpeg_play(hls_url)
        assert code == 0, log[-2000:]
        assert frames >= 48  # 2 s at 24 fps: every segment fetched, decrypted and decoded
        # What ffmpeg decoded came from the AES-128 copies (clear bytes would not need the key).
        copies = list((tmp_path / "objects" / "data" / "delivery" / "aes128").rglob("*.m4s"))
        assert copies  # ffmpeg's HLS demuxer opens every variant: 2 segments each
