"""Social login end to end against a real OpenID provider (node oidc-provider): authorization
code + PKCE, state and nonce; linking by verified email; an unverified email refused."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest

from cinemesh.platform.settings import Settings
from cinemesh.users.bootstrap import build_app
from cinemesh.users.settings import OidcProviderSettings, UsersSettings
from tests.fixtures.oidc import RELYING_PARTY_URL, OidcProvider
from tests.integration.users.harness import (
    FAST_PASSWORDS,
    PASSWORD,
    RecordingMailer,
    assert_problem,
    assert_valid_document,
)

START = "/api/v1/auth/oidc/test/login"


@pytest.fixture
async def browser(tmp_path: Path, oidc_provider: OidcProvider) -> AsyncIterator[httpx.AsyncClient]:
    """A cookie-keeping client that reaches the users service in-process and the provider over TCP."""
    provider = OidcProviderSettings(
        issuer=oidc_provider.issuer,
        client_id=oidc_provider.client_id,
        client_secret=oidc_provider.client_secret,
    )
    app = build_app(
        Settings(data_dir=tmp_path, public_url=RELYING_PARTY_URL),
        passwords=FAST_PASSWORDS,
        users_settings=UsersSettings(oidc_providers={"test": provider}),
        mailer=RecordingMailer(),
    )
    async with app.router.lifespan_context(app):
        mounts = {f"{RELYING_PARTY_URL}": httpx.ASGITransport(app=app)}
        async with httpx.AsyncClient(mounts=mounts, base_url=RELYING_PARTY_URL, timeout=20) as client:
            yield client


async def sign_in(browser: httpx.AsyncClient, login: str, *, start: str = START) -> httpx.Response:
    """Walks the browser through the provider's login and consent forms back to our callback."""
    response = await browser.get(start)
    for _ in range(20):
        if response.is_redirect:
            target = urljoin(str(response.url), response.headers["location"])
            if target.startswith(RELYING_PARTY_URL):
                return await browser.get(target)
            response = await browser.get(target)
            continue
        assert response.status_code == 200, response.text
        action = re.search(r'<form[^>]*action="([^"]+)"', response.text)
        prompt = re.search(r'name="prompt" value="(\w+)"', response.text)
        assert action and prompt, response.text
        form = {"prompt": prompt.group(1)}
        if form["prompt"] == "login":
            form |= {"login": login, "password": "any"}
        response = await browser.post(urljoin(str(response.url), action.group(1)), data=form)
    raise AssertionError("the sign-in never came back to the relying party")


async def test_login_redirects_to_the_provider_with_pkce_state_and_nonce(browser: httpx.AsyncClient) -> None:
    response = await browser.get(START)
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["state"][0] and query["nonce"][0] and query["response_type"] == ["code"]
    assert "cinemesh_oidc" in response.headers["set-cookie"] and "HttpOnly" in response.headers["set-cookie"]


async def test_a_new_verified_email_creates_an_account(browser: httpx.AsyncClient) -> None:
    response = await sign_in(browser, "verified")
    assert response.status_code == 200, response.text
    tokens = response.json()
    me = await browser.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.json()["email"] == "oidc-verified@example.com"
    assert me.json()["account_metadata"]["email_verified"] is True
    assert_valid_document(me.json())  # an account with no password is a valid document too
    again = await sign_in(browser, "verified")  # the same identity signs in the same account
    me_again = await browser.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {again.json()['access_token']}"}
    )
    assert me_again.json()["user_id"] == me.json()["user_id"]


async def test_a_verified_email_links_to_the_existing_account(browser: httpx.AsyncClient) -> None:
    body = {
        "email": "oidc-existing@example.com",
        "username": "existing",
        "password": PASSWORD,
        "country": "FR",
    }
    registered = await browser.post("/api/v1/auth/register", json=body)
    assert registered.status_code == 201
    response = await sign_in(browser, "existing")
    assert response.status_code == 200, response.text
    me = await browser.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {response.json()['access_token']}"}
    )
    assert (
        me.json()["user_id"] == registered.json()["user_id"] and me.json()["personal_info"]["country"] == "FR"
    )
    export = await browser.get(
        "/api/v1/me/export", headers={"Authorization": f"Bearer {response.json()['access_token']}"}
    )
    assert [identity["subject"] for identity in export.json()["linked_identities"]] == ["existing"]


async def test_an_unverified_email_is_refused(browser: httpx.AsyncClient) -> None:
    response = await sign_in(browser, "unverified")
    assert assert_problem(response, 403)["type"].endswith("/oidc-email-unverified")
    login = {"email": "oidc-unverified@example.com", "password": "whatever1"}
    assert_problem(await browser.post("/api/v1/auth/login", json=login), 401)


async def test_a_callback_with_a_forged_state_is_refused(browser: httpx.AsyncClient) -> None:
    await browser.get(START)
    forged = await browser.get("/api/v1/auth/oidc/test/callback", params={"code": "abc", "state": "forged"})
    assert_problem(forged, 401)
    assert_problem(await browser.get("/api/v1/auth/oidc/nope/login"), 404)
