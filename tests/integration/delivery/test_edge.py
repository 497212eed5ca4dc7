"""The nginx edge in front of the origin: it plays, caches segments, validates tokens and
forgets an unpublished title."""

from __future__ import annotations

from pathlib import Path

import httpx
import m3u8
import pytest

from tests.fixtures._net import free_port
from tests.fixtures.cmaf import CmafVideo
from tests.fixtures.edge import running_edge
from tests.integration.delivery.harness import ffmpeg_play, running_delivery, served_over_http


async def test_edge_plays_caches_validates_and_purges(
    tmp_path: Path, edge_prefix: Path, cmaf_video: CmafVideo, monkeypatch: pytest.MonkeyPatch
) -> None:
    origin_port = free_port()
    monkeypatch.setenv("CINEMESH_DELIVERY_SIGNING_SECRET", "edge-test-signing-secret-0123456789abcdef")
    with running_edge(
        edge_prefix,
        origin=f"127.0.0.1:{origin_port}",
        signing_secret="edge-test-signing-secret-0123456789abcdef",
    ) as edge:
        monkeypatch.setenv("CINEMESH_DELIVERY_MEDIA_BASE_URL", edge.base_url)
        monkeypatch.setenv("CINEMESH_DELIVERY_EDGE_PURGE_URLS", f'["{edge.purge_url}"]')
        async with (
            running_delivery(tmp_path, cmaf_video) as h,
            served_over_http(h.app, origin_port),
            httpx.AsyncClient() as client,
        ):
            await h.publish_title()
            viewer = await h.viewer(tier="standard")
            session = (await h.start(viewer)).json()
            assert session["hls_url"].startswith(edge.base_url)

            # ffmpeg plays the whole encrypted stream through the edge.
            code, log, frames = await ffmpeg_play(session["hls_url"])
            assert code == 0, log[-2000:] + edge.error_log()
            assert frames >= 48

            # A segment: the first fetch through a fresh URL may miss, the second is a hit; a
            # second session's differently-signed URL of the same segment hits the same entry.
            master = m3u8.loads((await client.get(session["hls_url"])).text)
            media = m3u8.loads((await client.get(edge.base_url + master.playlists[0].uri)).text)
            segment_url = edge.base_url + media.segments[0].uri
            first = await client.get(segment_url)
            second = await client.get(segment_url)
            assert first.status_code == second.status_code == 200
            assert second.headers["x-cache-status"] == "HIT"
            assert second.content == first.content
            assert second.headers["cache-control"].endswith("immutable")

            # Per-session documents are never cached at the edge.
            again = await client.get(session["hls_url"])
            assert again.headers.get("x-cache-status") in (None, "BYPASS")

            # The edge validates tokens itself: tampered, out of scope, expired -> 403 problem.
            token, _, path = segment_url.removeprefix(edge.base_url + "/api/v1/stream/").partition("/")
            tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
            refused = await client.get(f"{edge.base_url}/api/v1/stream/{tampered}/{path}")
            assert refused.status_code == 403
            assert refused.headers["content-type"] == "application/problem+json"
            assert refused.json()["type"].endswith("url-token-invalid")
            other_rung = path.replace("480p", "1080p")
            assert (
                await client.get(f"{edge.base_url}/api/v1/stream/{token}/{other_rung}")
            ).status_code == 403
            expired = h.app.state.context.signer.token(path.rsplit("/", 1)[0] + "/", expires=1)
            refused = await client.get(f"{edge.base_url}/api/v1/stream/{expired}/{path}")
            assert refused.json()["type"].endswith("url-token-expired")

            # Unpublish: the edge purges, the origin refuses, the cached segment is gone.
            await h.unpublish_title()
            await h.app.state.context.purger.wait_idle()
            after = await client.get(segment_url)
            assert after.status_code == 403, after.headers
            assert after.headers.get("x-cache-status") != "HIT"
