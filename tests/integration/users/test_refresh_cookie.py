"""The browser's refresh token travels in an HttpOnly, Secure, SameSite=Strict cookie scoped to
the refresh path; using it takes the X-Refresh-Transport header (CSRF); rotation and reuse
detection are unchanged; the cookie's sign-out ends its session and clears it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from http.cookies import SimpleCookie
from pathlib import Path

import httpx
import pytest
from starlette.requests import Request

from cinemesh.users.http.refresh_cookie import secure_for
from tests.integration.users.harness import PASSWORD, Harness, assert_problem, running_users

COOKIE = {"X-Refresh-Transport": "cookie"}
REFRESH = "/api/v1/auth/refresh"


@pytest.fixture
async def users(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_users(tmp_path, settings={"public_url": "https://users.test"}) as harness:
        harness.client.base_url = httpx.URL("https://users.test")  # the cookie is Secure
        yield harness


def _with_cookie(token: str) -> dict[str, str]:
    return {**COOKIE, "Cookie": f"cinemesh_refresh={token}"}


def _set_cookie(response: httpx.Response) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    jar.load(response.headers["set-cookie"])
    return jar


async def _sign_in(users: Harness) -> httpx.Response:
    user = await users.register()
    users.client.cookies.clear()
    body = {"email": user.email, "password": PASSWORD}
    return await users.client.post("/api/v1/auth/login", json=body, headers=COOKIE)


async def test_sign_in_puts_the_refresh_token_in_a_strict_http_only_cookie(users: Harness) -> None:
    signed_in = await _sign_in(users)
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["refresh_token"] is None and signed_in.json()["access_token"]
    cookie = _set_cookie(signed_in)["cinemesh_refresh"]
    assert cookie["httponly"] and cookie["secure"]
    assert cookie["samesite"] == "strict" and cookie["path"] == REFRESH
    assert int(cookie["max-age"]) == 30 * 24 * 3600


async def test_the_cookie_refreshes_only_with_the_header_and_rotates(users: Harness) -> None:
    await _sign_in(users)
    first = users.client.cookies["cinemesh_refresh"]
    # A cross-site form or link can send the cookie but not the header: nothing happens.
    assert_problem(await users.client.post(REFRESH), 401)
    assert users.client.cookies["cinemesh_refresh"] == first

    refreshed = await users.client.post(REFRESH, headers=COOKIE)
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["refresh_token"] is None
    second = users.client.cookies["cinemesh_refresh"]
    assert second != first
    me = await users.client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {refreshed.json()['access_token']}"}
    )
    assert me.status_code == 200

    # The used one again (a stolen copy): the whole family is revoked, the newer token too.
    users.client.cookies.clear()
    reused = await users.client.post(REFRESH, headers=_with_cookie(first))
    assert assert_problem(reused, 401)["type"].endswith("/refresh-token-reused")
    users.client.cookies.clear()
    later = await users.client.post(REFRESH, headers=_with_cookie(second))
    assert_problem(later, 401)


async def test_sign_out_ends_the_cookie_session_and_clears_the_cookie(users: Harness) -> None:
    await _sign_in(users)
    token = users.client.cookies["cinemesh_refresh"]
    signed_out = await users.client.delete(REFRESH, headers=COOKIE)
    assert signed_out.status_code == 204
    cleared = _set_cookie(signed_out)["cinemesh_refresh"]
    assert cleared.value in ("", '""') and cleared["path"] == REFRESH
    users.client.cookies.clear()
    again = await users.client.post(REFRESH, headers=_with_cookie(token))
    assert_problem(again, 401)


async def test_clients_without_the_header_keep_the_token_in_the_body(users: Harness) -> None:
    user = await users.register()
    refreshed = await users.client.post(REFRESH, json={"refresh_token": user.refresh_token})
    assert refreshed.status_code == 200 and refreshed.json()["refresh_token"]
    assert "set-cookie" not in refreshed.headers


def _request(url: str) -> Request:
    parts = httpx.URL(url)
    host = f"{parts.host}:{parts.port}" if parts.port else parts.host
    scope = {
        "type": "http",
        "scheme": parts.scheme,
        "path": "/",
        "query_string": b"",
        "headers": [(b"host", host.encode())],
    }
    return Request(scope)


def test_secure_unless_plain_http_on_another_host() -> None:
    assert secure_for("https://cinemesh.example", _request("http://10.0.0.5:8000"))  # behind TLS
    assert secure_for("http://127.0.0.1:8000", _request("http://127.0.0.1:8000"))
    assert secure_for("http://0.0.0.0:8000", _request("http://localhost:8000"))
    assert secure_for("http://0.0.0.0:8000", _request("https://cinemesh.example"))
    # A self-hosted box reached over plain http on the LAN: a browser would drop a Secure cookie.
    assert not secure_for("http://0.0.0.0:8000", _request("http://192.168.1.20:8000"))
    assert not secure_for("http://localhost:8000", _request("http://192.168.1.20:8000"))


async def test_a_password_change_hands_the_cookie_session_a_new_cookie(users: Harness) -> None:
    signed_in = await _sign_in(users)
    old = users.client.cookies["cinemesh_refresh"]
    bearer = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    body = {"current_password": PASSWORD, "new_password": "another long passphrase"}
    changed = await users.client.post("/api/v1/me/password", json=body, headers={**bearer, **COOKIE})
    assert changed.status_code == 200, changed.text
    assert changed.json()["refresh_token"] is None
    new = users.client.cookies["cinemesh_refresh"]
    assert new != old
    assert (await users.client.post(REFRESH, headers=COOKIE)).status_code == 200
    users.client.cookies.clear()
    assert_problem(await users.client.post(REFRESH, headers=_with_cookie(old)), 401)
