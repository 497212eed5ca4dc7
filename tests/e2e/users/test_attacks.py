"""What an attacker tried, through the gateway on both platform shapes (issue 20): text no
database can store, a lockout that told which addresses have accounts, a logout that left its
access token working."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import httpx
import pytest

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
    email = f"attack-{suffix}@example.com"
    body = {"email": email, "username": f"attack_{suffix}", "password": PASSWORD, "country": "NL"}
    assert client.post("/api/v1/auth/register", json=body).status_code == 201
    return email, client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json()


def test_nul_and_lone_surrogates_are_422_and_leave_the_users_breaker_closed(client: httpx.Client) -> None:
    email, tokens = _account(client)
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    for text in ("a\u0000b", "a\ud800b") * 4:  # more than the breaker's threshold of 5
        raw = json.dumps({"email": f"{text}@example.com", "password": text})
        response = client.post(
            "/api/v1/auth/login", content=raw, headers={"content-type": "application/json"}
        )
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert "email" in {error["field"] for error in response.json()["errors"]}
        named = client.patch(
            "/api/v1/me",
            content=json.dumps({"first_name": text}),
            headers={**auth, "content-type": "application/json"},
        )
        assert named.status_code == 422, named.text
    assert client.get("/api/v1/me", headers=auth).status_code == 200  # not 503: the breaker is closed
    assert client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).status_code == 200


def test_other_services_refuse_unstorable_text_too(client: httpx.Client) -> None:
    # The check is the platform's, in every service: catalog search with a NUL (PostgreSQL's
    # full-text query refused it) and a profile id in the path.
    for _ in range(6):
        search = client.get("/api/v1/titles", params={"q": "dune\u0000"})
        assert search.status_code == 422, search.text
        assert search.json()["errors"][0]["field"] == "q"
    assert client.get("/api/v1/titles", params={"q": "dune"}).status_code == 200  # breaker closed


def test_logout_ends_the_access_token_on_every_service(client: httpx.Client) -> None:
    _, tokens = _account(client)
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.get("/api/v1/titles", headers=auth).status_code == 200
    assert (
        client.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]}).status_code == 204
    )
    assert client.get("/api/v1/me", headers=auth).status_code == 401  # the users service, at once
    assert wait_until(lambda: client.get("/api/v1/titles", headers=auth).status_code == 401, timeout=30)
    assert client.get("/api/v1/titles", headers=auth).json()["type"].endswith("/session-ended")


def test_the_lockout_does_not_tell_which_addresses_have_accounts(client: httpx.Client) -> None:
    email, _ = _account(client)
    unknown = f"nobody-{uuid.uuid4().hex[:8]}@example.com"
    statuses = {}
    for address in (email, unknown):
        wrong = {"email": address, "password": "not the password"}
        statuses[address] = [client.post("/api/v1/auth/login", json=wrong).status_code for _ in range(6)]
    assert statuses[email] == statuses[unknown] == [401] * 5 + [429]
