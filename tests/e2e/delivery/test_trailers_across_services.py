"""Trailers through the real services, on both platform shapes (one process on the embedded bus;
separate processes on PostgreSQL and Kafka): an upload with tus metadata `kind=trailer` goes
through media's pipeline, the catalog lists it in the title's `trailers` from media's events and
publishes it to delivery with the title, and delivery plays it beside the basic plan's one stream.
Nothing is published by hand here: every event is the services' own."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.web._helpers import admin_client, new_viewer, tus_upload
from tests.fixtures.platform import RunningPlatform

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("platform"), pytest.mark.timeout(420)]

WINDOWS = [{"country": "US", "starts_at": "2020-01-01T00:00:00Z"}]


def until(check: Callable[[], Any], what: str, timeout: float = 180) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.3)
    return result


@pytest.fixture
def admin(platform: RunningPlatform) -> Iterator[httpx.Client]:
    with admin_client(platform.base_url, platform.admin_email, platform.admin_password) as client:
        yield client


def test_an_uploaded_trailer_is_listed_published_and_played_beside_the_plans_one_stream(
    platform: RunningPlatform, admin: httpx.Client, media_clip: Callable[[str], Path]
) -> None:
    body = {"title": f"Crosscurrent {uuid.uuid4().hex[:6]}", "type": "movie", "maturity_rating": "PG-13"}
    created = admin.post("/api/v1/titles", json={**body, "availability": WINDOWS})
    assert created.status_code == 201, created.text
    title_id = created.json()["id"]
    clip = media_clip("small.mp4")
    trailer = tus_upload(admin, clip, title_id=title_id, filename="trailer.mp4", kind="trailer")
    feature = tus_upload(admin, clip, title_id=title_id, filename="feature.mp4")

    def title() -> dict[str, Any]:
        document: dict[str, Any] = admin.get(f"/api/v1/titles/{title_id}").json()
        return document

    listed = until(
        lambda: (t := title())["video_id"] == feature and t["status"] == "ready" and t, "title ready"
    )
    until(lambda: title()["trailers"] == [trailer], "the trailer listed")
    assert listed["video_id"] == feature  # the trailer did not become the title's video
    published = admin.post(f"/api/v1/titles/{title_id}/publish")
    assert published.status_code == 200, published.text

    _, viewer = new_viewer(platform.base_url)  # country US, no subscription event: basic, active
    try:
        profile_id = next(
            p["profile_id"] for p in viewer.get("/api/v1/me").json()["profiles"] if p["is_main"]
        )
        device = viewer.post("/api/v1/me/devices", json={"device_type": "desktop"})
        assert device.status_code == 201, device.text
        device_id = device.json()["device_id"]

        def start(content_id: str) -> httpx.Response:
            return viewer.post(
                "/api/v1/playback",
                json={"content_id": content_id, "profile_id": profile_id, "device_id": device_id},
            )

        def started(content_id: str) -> dict[str, Any] | None:
            # Delivery learns of the profile, device and title from events: retried until it has.
            response = start(content_id)
            return response.json() if response.status_code == 201 else None

        trailer_session = until(lambda: started(trailer), "a trailer session")
        feature_session = until(lambda: started(title_id), "a feature session")
        assert trailer_session["tier"] == "basic"  # one stream, taken by the feature only
        second = start(title_id)
        assert second.status_code == 409 and second.json()["type"].endswith("/plan-stream-limit"), second.text
        another_trailer = start(trailer)
        assert another_trailer.status_code == 201, another_trailer.text
        master = viewer.get(trailer_session["hls_url"])
        assert master.status_code == 200 and "#EXTM3U" in master.text, master.text
        for session in (trailer_session, feature_session, another_trailer.json()):
            assert viewer.delete(f"/api/v1/playback/{session['session_id']}").status_code == 204
    finally:
        viewer.close()
