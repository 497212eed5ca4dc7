"""Delivery in the whole platform, both shapes: a registered viewer starts a session through the
gateway and ffmpeg plays the AES-128 HLS stream from the gateway's /api/v1/stream (media URLs
carry no bearer token: the signed URL is the authorisation). The catalog, media and users
events delivery projects are published here onto the platform's own bus, so this test does not
wait for those services to emit them; the started event comes back out on the bus."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from cinemesh.contracts.catalog import AvailabilityWindow, TitlePublishedV1
from cinemesh.contracts.delivery import PLAYBACK_TOPIC
from cinemesh.contracts.events import EventContract
from cinemesh.contracts.publishing import to_envelope
from cinemesh.contracts.users import DeviceChangedV1, ProfileChangedV1, SubscriptionChangedV1
from cinemesh.platform.events.factory import build_event_bus
from cinemesh.platform.settings import Settings
from tests.fixtures.cmaf import CmafVideo, generate
from tests.fixtures.platform import RunningPlatform
from tests.integration.delivery.harness import ffmpeg_play

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("platform"), pytest.mark.timeout(240)]


@contextmanager
def platform_settings(platform: RunningPlatform) -> Iterator[Settings]:
    saved = dict(os.environ)
    os.environ.update({k: v for k, v in platform.env.items() if k.startswith("CINEMESH_")})
    try:
        yield Settings()
    finally:
        os.environ.clear()
        os.environ.update(saved)


async def publish(settings: Settings, events: list[EventContract]) -> None:
    bus = build_event_bus(settings)
    await bus.start()
    try:
        await bus.publish_many([(e.topic, to_envelope(e, source="tests")) for e in events])
    finally:
        await bus.close()


async def started_event(settings: Settings, session_id: str) -> bool:
    bus = build_event_bus(settings)
    await bus.start()
    try:
        async with bus.subscribe(f"e2e-delivery-{uuid.uuid4().hex[:8]}", [PLAYBACK_TOPIC]) as subscription:
            for _ in range(20):
                for record in await subscription.fetch(timeout=1.0):
                    if (
                        record.envelope.type == "delivery.playback.started.v1"
                        and record.envelope.subject == session_id
                    ):
                        return True
    finally:
        await bus.close()
    return False


def test_viewer_plays_hls_through_the_gateway(platform: RunningPlatform, tmp_path: Path) -> None:
    video_id, content_id = str(uuid.uuid4()), str(uuid.uuid4())
    video: CmafVideo = generate(tmp_path / "cmaf", video_id=video_id, title_id=content_id)
    video.install(Path(platform.env["CINEMESH_DATA_DIR"]) / "objects" / "data")
    with httpx.Client(base_url=platform.base_url, timeout=30) as client:
        suffix = uuid.uuid4().hex[:10]
        account = {
            "email": f"v-{suffix}@example.com",
            "username": f"v_{suffix}",
            "password": "correct horse battery",
            "country": "US",
        }
        registered = client.post("/api/v1/auth/register", json=account)
        assert registered.status_code == 201, registered.text
        user_id = registered.json()["user_id"]
        tokens = client.post(
            "/api/v1/auth/login", json={"email": account["email"], "password": account["password"]}
        ).json()
        auth = {"Authorization": f"Bearer {tokens['access_token']}"}
        profile_id, device_id = str(uuid.uuid4()), str(uuid.uuid4())
        now = dt.datetime.now(dt.UTC)
        events: list[EventContract] = [
            video.event,
            TitlePublishedV1(
                title_id=content_id, content_id=content_id, content_type="movie", maturity_rating="PG",
                video_id=video_id, published_at=now,
                windows=[AvailabilityWindow(country="US", starts_at=now - dt.timedelta(days=1))],
            ),
            ProfileChangedV1(
                user_id=user_id, profile_id=profile_id, change="created", name="Me", is_kids=False,
                is_main=True, max_maturity_rating=None, pin_required=False, changed_at=now,
            ),
            DeviceChangedV1(
                user_id=user_id, device_id=device_id, change="registered", device_type="web", changed_at=now
            ),
            SubscriptionChangedV1(user_id=user_id, tier="standard", status="active", changed_at=now),
        ]  # fmt: skip
        with platform_settings(platform) as settings:
            asyncio.run(publish(settings, events))
        body = {"content_id": content_id, "profile_id": profile_id, "device_id": device_id}
        response = None
        for _ in range(150):  # the projections catch up asynchronously
            response = client.post("/api/v1/playback", json=body, headers=auth)
            if response.status_code == 201 and response.json()["drm"]["dash"] is not None:
                break
            if response.status_code == 201:  # started before the DASH package was ready: end it
                client.delete(f"/api/v1/playback/{response.json()['session_id']}", headers=auth)
            asyncio.run(asyncio.sleep(0.2))
        assert response is not None and response.status_code == 201, response.text if response else None
        session = response.json()
        assert session["hls_url"].startswith("/api/v1/stream/")

        code, log, frames = asyncio.run(ffmpeg_play(platform.base_url + session["hls_url"]))
        assert code == 0, log[-2000:] + platform.log_tail()
        assert frames >= 48
        with platform_settings(platform) as settings:
            assert asyncio.run(started_event(settings, session["session_id"]))

        key_url = session["hls_url"].replace("master.m3u8", "key")
        assert client.get(key_url).status_code == 200
        assert client.delete(f"/api/v1/playback/{session['session_id']}", headers=auth).status_code == 204
        refused = client.get(key_url)
        assert refused.status_code == 403 and refused.json()["type"].endswith("session-not-live")
