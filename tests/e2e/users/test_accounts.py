"""The account over real HTTP through the gateway, on both platform shapes: profiles, devices,
list and parental controls; deletion ends every token at once; the events reach the bus."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import jsonschema
import pytest

from cinemesh.contracts.schemas import user_profile_schema
from tests.fixtures._net import wait_until
from tests.fixtures.platform import RunningPlatform

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("platform")]
PASSWORD = "correct horse battery"


@pytest.fixture
def client(platform: RunningPlatform) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=platform.base_url, timeout=20) as client:
        yield client


def _account(client: httpx.Client) -> tuple[str, dict[str, str]]:
    suffix = uuid.uuid4().hex[:10]
    body = {
        "email": f"e2e-{suffix}@example.com",
        "username": f"e2e_{suffix}",
        "password": PASSWORD,
        "country": "NL",
    }
    registered = client.post("/api/v1/auth/register", json=body)
    assert registered.status_code == 201, registered.text
    tokens = client.post("/api/v1/auth/login", json={"email": body["email"], "password": PASSWORD}).json()
    return registered.json()["user_id"], {"Authorization": f"Bearer {tokens['access_token']}"}


def test_a_household_through_the_gateway_validates_against_the_schema(client: httpx.Client) -> None:
    _, auth = _account(client)
    kid = client.post("/api/v1/me/profiles", json={"name": "Kid", "is_kids": True}, headers=auth)
    assert kid.status_code == 201, kid.text
    kid_id = kid.json()["profile_id"]
    assert (
        client.post("/api/v1/me/devices", json={"device_type": "game_console"}, headers=auth).status_code
        == 201
    )
    item = {"content_id": "title-9", "content_type": "tv_series", "profile_id": kid_id}
    assert client.post("/api/v1/me/list", json=item, headers=auth).status_code == 201
    controls = {
        "enabled": True,
        "max_maturity_rating": "TV-PG",
        "pin": "4242",
        "restricted_profiles": [kid_id],
    }
    assert client.put("/api/v1/me/parental-controls", json=controls, headers=auth).status_code == 200
    unlock = client.post(f"/api/v1/me/profiles/{kid_id}/unlock", json={"pin": "4242"}, headers=auth)
    assert unlock.status_code == 200 and unlock.json()["unlock_token"].count(".") == 2

    document = client.get("/api/v1/me", headers=auth).json()
    jsonschema.validate(
        document, user_profile_schema(), format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    assert [p["is_kids"] for p in document["profiles"]] == [False, True]
    too_long = client.post("/api/v1/me/profiles", json={"name": "x" * 16}, headers=auth)
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "name"


def test_deletion_ends_every_token_and_is_announced(client: httpx.Client, platform: RunningPlatform) -> None:
    user_id, auth = _account(client)
    assert client.delete("/api/v1/me", headers=auth).status_code == 204
    for path in ("/api/v1/me", "/api/v1/me/profiles", "/api/v1/me/export"):
        response = client.get(path, headers=auth)
        assert response.status_code == 401, response.text
        assert response.headers["content-type"] == "application/problem+json"

    # Every other service is shielded too: the gateway learns of the deletion from the event and
    # refuses the still-unexpired token on routes it would otherwise pass (browsing is public).
    assert wait_until(lambda: client.get("/api/v1/titles", headers=auth).status_code == 401, timeout=30)
    refused = client.get("/api/v1/titles", headers=auth).json()
    assert refused["type"].endswith("/session-ended")

    tail = platform.cli("events", "tail", "users.user", "--from-beginning", timeout=60)
    assert tail.returncode == 0, tail.stderr + tail.stdout
    mine = [line for line in tail.stdout.splitlines() if f"subject={user_id}" in line]
    assert any("users.user.registered.v1" in line for line in mine), tail.stdout[-2000:]
    assert any("users.profile.changed.v1" in line for line in mine)
    assert any("users.user.deleted.v1" in line for line in mine)


def test_a_password_change_ends_older_tokens_everywhere(client: httpx.Client) -> None:
    _, old_auth = _account(client)
    changed = client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": PASSWORD + "-new"},
        headers=old_auth,
    )
    assert changed.status_code == 200, changed.text
    new_auth = {"Authorization": f"Bearer {changed.json()['access_token']}"}
    assert client.get("/api/v1/me", headers=old_auth).status_code == 401  # the users service, at once
    # ... and, once the gateway has heard of it, on every other service's routes.
    assert wait_until(lambda: client.get("/api/v1/titles", headers=old_auth).status_code == 401, timeout=30)
    assert client.get("/api/v1/titles", headers=new_auth).status_code == 200
    assert client.get("/api/v1/me", headers=new_auth).status_code == 200
