"""The origin on S3 (a real moto S3 API server): segments streamed with ranges, or redirected to
a presigned URL when configured; the AES-128 copies are made and kept in the bucket."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import m3u8
import pytest

from cinemesh.platform.storage.s3 import S3ObjectStore
from tests.fixtures.cmaf import CmafVideo
from tests.integration.delivery.harness import DeliveryHarness, running_delivery

pytestmark = pytest.mark.integration
CREDENTIALS = {"s3_access_key_id": "testing", "s3_secret_access_key": "testing"}


@asynccontextmanager
async def delivery_on_s3(tmp_path: Path, video: CmafVideo, endpoint: str) -> AsyncIterator[DeliveryHarness]:
    bucket = f"cinemesh-origin-{uuid.uuid4().hex[:10]}"
    store = S3ObjectStore(
        bucket=bucket, endpoint_url=endpoint, access_key_id="testing", secret_access_key="testing"
    )
    await store.ensure_ready()
    for path in sorted(p for p in (video.root / "videos").rglob("*") if p.is_file()):
        await store.put_file(path.relative_to(video.root).as_posix(), path)
    await store.close()
    settings: dict[str, Any] = {
        "object_store": "s3",
        "s3_endpoint_url": endpoint,
        "s3_bucket": bucket,
        **CREDENTIALS,
    }
    async with running_delivery(tmp_path, video, **settings) as harness:
        yield harness


async def first_segment_url(h: DeliveryHarness, hls_url: str) -> str:
    master = m3u8.loads((await h.client.get(hls_url)).text)
    media = await h.client.get(master.playlists[0].uri)
    assert media.status_code == 200, media.text
    return str(m3u8.loads(media.text).segments[0].uri)


async def test_segments_stream_from_s3_with_ranges(
    tmp_path: Path, cmaf_video: CmafVideo, s3_endpoint: str
) -> None:
    async with delivery_on_s3(tmp_path, cmaf_video, s3_endpoint) as h:
        await h.publish_title()
        session = (await h.start(await h.viewer(tier="standard"))).json()
        segment_url = await first_segment_url(h, session["hls_url"])

        whole = await h.client.get(segment_url)
        assert whole.status_code == 200, whole.text
        assert whole.headers["accept-ranges"] == "bytes"
        assert int(whole.headers["content-length"]) == len(whole.content) > 1000
        assert "immutable" in whole.headers["cache-control"]

        part = await h.client.get(segment_url, headers={"Range": "bytes=100-299"})
        assert part.status_code == 206
        assert part.headers["content-range"] == f"bytes 100-299/{len(whole.content)}"
        assert part.content == whole.content[100:300]

        beyond = await h.client.get(segment_url, headers={"Range": f"bytes={len(whole.content) + 10}-"})
        assert beyond.status_code == 416


async def test_presigned_redirect_hands_the_client_to_s3(
    tmp_path: Path, cmaf_video: CmafVideo, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CINEMESH_DELIVERY_S3_PRESIGNED_REDIRECT", "true")
    async with delivery_on_s3(tmp_path, cmaf_video, s3_endpoint) as h:
        await h.publish_title()
        session = (await h.start(await h.viewer(tier="standard"))).json()
        segment_url = await first_segment_url(h, session["hls_url"])

        redirected = await h.client.get(segment_url)
        assert redirected.status_code == 302
        location = redirected.headers["location"]
        assert location.startswith(s3_endpoint) and "Signature" in location
        async with httpx.AsyncClient() as client:
            from_s3 = await client.get(location)
        assert from_s3.status_code == 200 and len(from_s3.content) > 1000
        # The token still guards the origin: a tampered URL gets no redirect.
        token = segment_url.split("/")[4]  # /api/v1/stream/{token}/...
        forged = token[:-1] + ("A" if token[-1] != "A" else "B")  # one character of the MAC
        tampered = segment_url.replace(f"/{token}/", f"/{forged}/", 1)
        assert (await h.client.get(tampered)).status_code == 403
