"""A device plays the moment it is registered: delivery, which learns of devices from the users
service's events, confirms a device it has not heard of with the users service (HTTP, the
caller's token) before refusing it. Here no devices event reaches delivery at all."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import httpx

from cinemesh.contracts.users import ProfileChangedV1
from cinemesh.platform.service_app import JWKS_PATH
from tests.fixtures.cmaf import CmafVideo
from tests.integration.delivery.harness import DeliveryHarness, running_delivery
from tests.integration.users.harness import Harness, User, running_users


async def _viewer(users: Harness, delivery: DeliveryHarness) -> tuple[User, str]:
    """A users-service account whose main profile (only) delivery knows of."""
    user = await users.register(country="US")
    profile_id = (await users.me(user))["profiles"][0]["profile_id"]
    await delivery.feed(
        ProfileChangedV1(
            user_id=user.user_id,
            profile_id=profile_id,
            change="created",
            name="Main",
            is_kids=False,
            is_main=True,
            max_maturity_rating=None,
            pin_required=False,
            changed_at=dt.datetime.now(dt.UTC),
        )
    )
    return user, profile_id


async def _register_device(users: Harness, user: User) -> str:
    body = {"device_type": "desktop", "device_name": "Chrome on Linux", "installation_id": uuid.uuid4().hex}
    added = await users.client.post("/api/v1/me/devices", json=body, headers=user.auth)
    assert added.status_code == 201, added.text
    device_id: str = added.json()["device_id"]
    return device_id


async def test_a_device_registered_a_moment_ago_plays_at_once(tmp_path: Path, cmaf_video: CmafVideo) -> None:
    async with running_users(tmp_path / "users") as users:
        users_transport = httpx.ASGITransport(app=users.app)

        async def jwks() -> dict[str, Any]:
            async with httpx.AsyncClient(transport=users_transport, base_url="http://users") as client:
                document: dict[str, Any] = (await client.get(JWKS_PATH)).json()
                return document

        async with running_delivery(
            tmp_path / "delivery", cmaf_video, jwks_fetcher=jwks, users_app=users.app
        ) as delivery:
            await delivery.publish_title()
            viewer, profile_id = await _viewer(users, delivery)
            other, _ = await _viewer(users, delivery)

            async def play(user: User, device_id: str) -> httpx.Response:
                body = {"content_id": delivery.content_id, "profile_id": profile_id, "device_id": device_id}
                return await delivery.client.post("/api/v1/playback", json=body, headers=user.auth)

            device_id = await _register_device(users, viewer)
            started = await play(viewer, device_id)
            assert started.status_code == 201, started.text
            await delivery.client.delete(
                f"/api/v1/playback/{started.json()['session_id']}", headers=viewer.auth
            )

            # Still refused: another account's device, an id nobody registered, a removed device,
            # and an id that is no device id at all (it must not reach the users service's URL).
            others_device = await _register_device(users, other)
            removed = await _register_device(users, viewer)
            gone = await users.client.delete(f"/api/v1/me/devices/{removed}", headers=viewer.auth)
            assert gone.status_code == 204
            for refused in (others_device, str(uuid.uuid4()), removed, "../../auth/jwks"):
                answer = await play(viewer, refused)
                assert answer.status_code == 403, (refused, answer.text)
                assert answer.json()["type"].endswith("/device-not-registered")
