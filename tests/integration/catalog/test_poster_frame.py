"""A title without a picture of its own shows the poster frame media chose from its video, not
bare initials; a picture an editor uploads wins, and a frame never replaces one."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cinemesh.catalog.domain.errors import ConcurrentModificationError
from cinemesh.contracts.media import VideoTranscodedV1
from cinemesh.platform.ids import new_id_str
from tests.integration.catalog.conftest import Catalog

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 60
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 60


def transcoded(video_id: str, title_id: str, *, complete: bool) -> VideoTranscodedV1:
    return VideoTranscodedV1(
        video_id=video_id,
        title_id=title_id,
        duration_seconds=8.0,
        storage_prefix=f"media/videos/{video_id}",
        hls_master_key=f"media/videos/{video_id}/master.m3u8",
        dash_manifest_key=None,
        renditions=[],
        complete=complete,
        poster_key=f"media/videos/{video_id}/poster.jpg" if complete else None,
        transcoded_at=dt.datetime.now(dt.UTC),
    )


async def deliver(catalog: Catalog, event: VideoTranscodedV1) -> None:
    await catalog.consumed("catalog.media", await catalog.publish(event))


async def test_the_full_ladder_gives_a_bare_title_its_poster_frame(catalog: Catalog) -> None:
    headers = catalog.admin()
    title = await catalog.create({"title": "No picture", "type": "movie"}, headers)
    video_id = new_id_str()
    await catalog.app.state.context.images.store.put_bytes(
        f"media/videos/{video_id}/poster.jpg", JPEG, content_type="image/jpeg"
    )
    await deliver(catalog, transcoded(video_id, title["id"], complete=False))
    url = f"/api/v1/titles/{title['id']}"
    assert (await catalog.client.get(url, headers=headers)).json()["images"] == {}
    await deliver(catalog, transcoded(video_id, title["id"], complete=True))

    document = (await catalog.client.get(url, headers=headers)).json()
    assert document["status"] == "ready" and document["video_id"] == video_id
    thumbnail = document["images"]["thumbnail"]
    image = await catalog.client.get(thumbnail["url"], headers=headers)
    assert image.status_code == 200 and image.content == JPEG
    assert image.headers["content-type"] == "image/jpeg"

    # An editor's own picture replaces the frame; a later video's frame does not replace it.
    uploaded = await catalog.client.put(
        f"{url}/images/thumbnail", content=PNG, headers={**headers, "content-type": "image/png"}
    )
    assert uploaded.status_code == 200, uploaded.text
    second = new_id_str()
    await deliver(catalog, transcoded(second, title["id"], complete=False))
    await deliver(catalog, transcoded(second, title["id"], complete=True))
    image = await catalog.client.get(thumbnail["url"], headers=headers)
    assert image.content == PNG


async def test_a_title_with_a_backdrop_keeps_it_alone(catalog: Catalog) -> None:
    headers = catalog.admin()
    title = await catalog.create({"title": "Pictured", "type": "movie"}, headers)
    url = f"/api/v1/titles/{title['id']}"
    uploaded = await catalog.client.put(
        f"{url}/images/backdrop", content=JPEG, headers={**headers, "content-type": "image/jpeg"}
    )
    assert uploaded.status_code == 200, uploaded.text
    video_id = new_id_str()
    await deliver(catalog, transcoded(video_id, title["id"], complete=False))
    await deliver(catalog, transcoded(video_id, title["id"], complete=True))
    assert set((await catalog.client.get(url, headers=headers)).json()["images"]) == {"backdrop"}


async def test_a_publish_raced_by_a_background_write_is_decided_again(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The poster frame (or a new video) lands on the title from the media consumer at any moment;
    # a publish that loses that race is made again on the fresh title, not refused with a 409.
    headers = catalog.admin()
    worldwide = [{"country": "*", "starts_at": "2020-01-01T00:00:00Z"}]
    title = await catalog.create({"title": "Raced", "type": "movie", "availability": worldwide}, headers)
    url = f"/api/v1/titles/{title['id']}"
    video_id = new_id_str()
    await catalog.app.state.context.images.store.put_bytes(
        f"media/videos/{video_id}/poster.jpg", JPEG, content_type="image/jpeg"
    )
    await deliver(catalog, transcoded(video_id, title["id"], complete=False))
    service = catalog.app.state.context.service
    real = service._transition
    calls = 0

    async def racing(**kwargs: Any) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        if calls == 1:  # the full ladder arrives between the editor's read and write
            await deliver(catalog, transcoded(video_id, title["id"], complete=True))
            raise ConcurrentModificationError()
        result: dict[str, Any] = await real(**kwargs)
        return result

    monkeypatch.setattr(service, "_transition", racing)
    published = await catalog.client.post(f"{url}/publish", headers=headers)
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published" and "thumbnail" in published.json()["images"]
    assert calls == 2
    # Another editor's same move is then an illegal transition, not a retry loop.
    again = await catalog.client.post(f"{url}/publish", headers=headers)
    assert again.status_code == 409 and again.json()["type"].endswith("/illegal-transition")
