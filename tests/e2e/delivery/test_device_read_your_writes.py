"""A device registered and used at once is accepted, on both platform shapes (in-process, and
one process per service on PostgreSQL + Kafka, where delivery asks the users service over HTTP):
delivery confirms a device id its projection does not hold yet with the users service instead of
refusing it until the users event arrives. Everything here goes through the gateway; no event is
published by hand.

The device check comes right after the profile check and before the title's, so a Play of a
title that does not exist tells the two apart: `title-not-published` means the device passed,
`device-not-registered` that it did not."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from tests.fixtures.platform import RunningPlatform

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("platform"), pytest.mark.timeout(180)]


def _code(response: httpx.Response) -> str:
    return str(response.json().get("type", "")).rsplit("/", 1)[-1]


def test_a_device_plays_the_moment_it_is_registered(platform: RunningPlatform) -> None:
    with httpx.Client(base_url=platform.base_url, timeout=30) as client:
        suffix = uuid.uuid4().hex[:10]
        account = {
            "email": f"v-{suffix}@example.com",
            "username": f"v_{suffix}",
            "password": "correct horse battery",
            "country": "US",
        }
        assert client.post("/api/v1/auth/register", json=account).status_code == 201
        login = client.post(
            "/api/v1/auth/login", json={"email": account["email"], "password": account["password"]}
        )
        client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        profile_id = client.get("/api/v1/me").json()["profiles"][0]["profile_id"]

        def play(device_id: str) -> httpx.Response:
            body = {"content_id": str(uuid.uuid4()), "profile_id": profile_id, "device_id": device_id}
            return client.post("/api/v1/playback", json=body)

        # The main profile reaches delivery by the users service's event: wait for that first.
        deadline = time.monotonic() + 60
        while _code(play(str(uuid.uuid4()))) == "profile-not-found":
            assert time.monotonic() < deadline, "the profile never reached delivery" + platform.log_tail()
            time.sleep(0.2)

        for index in range(3):  # a few, each used the moment it exists
            body = {
                "device_type": "desktop",
                "device_name": f"Laptop {index}",
                "installation_id": f"e2e-{suffix}-{index}",
            }
            registered = client.post("/api/v1/me/devices", json=body)
            assert registered.status_code == 201, registered.text
            started = play(registered.json()["device_id"])
            assert started.status_code == 403 and _code(started) == "title-not-published", started.text

        refused = play(str(uuid.uuid4()))  # an id nobody registered is still refused
        assert refused.status_code == 403 and _code(refused) == "device-not-registered"
