"""Access tokens that must be refused (401), refresh rotation, lockout, password change/reset."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cinemesh.platform.tokens import ALGORITHM, AUDIENCE, ISSUER
from tests.integration.users.harness import PASSWORD, Harness, assert_problem


def _claims(user_id: str, **overrides: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": user_id,
        "roles": ["admin", "viewer"],
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": "forged",
    }
    return {**claims, **overrides}


def _unsigned(claims: dict[str, object], kid: str) -> str:
    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{part(claims)}."


async def test_forged_expired_and_foreign_tokens_are_401(users: Harness) -> None:
    user = await users.register()
    kid = users.services.users.keys.signer().kid
    real_key = users.services.users.keys.signer().private_key
    forged = {
        "alg none": _unsigned(_claims(user.user_id), kid),
        "wrong key": jwt.encode(
            _claims(user.user_id), Ed25519PrivateKey.generate(), ALGORITHM, headers={"kid": kid}
        ),
        "expired": jwt.encode(
            _claims(user.user_id, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600),
            real_key,
            ALGORITHM,
            headers={"kid": kid},
        ),
        "HS256 with the public key": jwt.encode(
            _claims(user.user_id), "x" * 32, "HS256", headers={"kid": kid}
        ),
    }
    for name, token in forged.items():
        response = await users.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert_problem(response, 401), name
        assert "Bearer" in response.headers["www-authenticate"], name


async def test_a_deleted_users_unexpired_token_is_401_on_every_route(users: Harness) -> None:
    user = await users.register()
    assert (await users.client.delete("/api/v1/me", headers=user.auth)).status_code == 204
    for method, path in [
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/me/profiles"),
        ("GET", "/api/v1/me/devices"),
        ("GET", "/api/v1/me/list"),
        ("GET", "/api/v1/me/export"),
        ("DELETE", "/api/v1/me"),
    ]:
        assert_problem(await users.client.request(method, path, headers=user.auth), 401)
    refreshed = await users.client.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh_token})
    assert_problem(refreshed, 401)
    [deleted] = await users.events("users.user.deleted.v1", user.user_id)
    assert deleted["user_id"] == user.user_id


async def test_refresh_reuse_revokes_the_family(users: Harness) -> None:
    user = await users.register()
    rotated = (
        await users.client.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh_token})
    ).json()
    reused = await users.client.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh_token})
    assert assert_problem(reused, 401)["type"].endswith("/refresh-token-reused")
    assert_problem(
        await users.client.post("/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}), 401
    )


async def test_repeated_failed_logins_lock_the_account(tmp_path: object) -> None:
    from tests.integration.users.harness import running_users

    async with running_users(tmp_path, users_settings={"max_failed_logins": 3}) as users:  # type: ignore[arg-type]
        user = await users.register()
        for _ in range(3):
            wrong = {"email": user.email, "password": "not the password"}
            assert_problem(await users.client.post("/api/v1/auth/login", json=wrong), 401)
        locked = await users.client.post(
            "/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}
        )
        body = assert_problem(locked, 429)
        assert int(locked.headers["retry-after"]) > 0 and body["type"].endswith("/login-locked")


async def test_password_change_ends_every_other_session(users: Harness) -> None:
    user = await users.register()
    other_session = await users.login(user.email)
    wrong = await users.client.post(
        "/api/v1/me/password",
        json={"current_password": "nope", "new_password": "a new passphrase"},
        headers=user.auth,
    )
    assert_problem(wrong, 403, "current_password")
    changed = await users.client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "a new passphrase"},
        headers=user.auth,
    )
    assert changed.status_code == 200, changed.text
    fresh = changed.json()
    assert_problem(await users.client.get("/api/v1/me", headers=user.auth), 401)
    stale = {"Authorization": f"Bearer {other_session['access_token']}"}
    assert_problem(await users.client.get("/api/v1/me", headers=stale), 401)
    assert_problem(
        await users.client.post(
            "/api/v1/auth/refresh", json={"refresh_token": other_session["refresh_token"]}
        ),
        401,
    )
    assert (
        await users.client.get("/api/v1/me", headers={"Authorization": f"Bearer {fresh['access_token']}"})
    ).status_code == 200
    await users.login(user.email, "a new passphrase")


async def test_password_reset_by_mail_is_single_use_and_does_not_reveal_accounts(users: Harness) -> None:
    user = await users.register()
    unknown = await users.client.post("/api/v1/auth/password-reset", json={"email": "nobody@example.com"})
    known = await users.client.post("/api/v1/auth/password-reset", json={"email": user.email})
    assert unknown.status_code == known.status_code == 202 and unknown.json() == known.json()
    await users.mail_settled()
    token = users.mailer.last_token(user.email)
    assert "reset-password" in users.mailer.sent[-1].link and PASSWORD not in users.mailer.sent[-1].text
    body = {"token": token, "new_password": "reset passphrase"}
    assert (await users.client.post("/api/v1/auth/password-reset/confirm", json=body)).status_code == 204
    assert_problem(await users.client.post("/api/v1/auth/password-reset/confirm", json=body), 400, "token")
    assert_problem(await users.client.get("/api/v1/me", headers=user.auth), 401)
    await users.login(user.email, "reset passphrase")


async def test_email_verification_token_is_single_use(users: Harness) -> None:
    user = await users.register()
    token = users.mailer.last_token(user.email)
    assert (await users.client.post("/api/v1/auth/verify-email", json={"token": token})).status_code == 204
    assert_problem(await users.client.post("/api/v1/auth/verify-email", json={"token": token}), 400, "token")
    assert_problem(
        await users.client.post("/api/v1/auth/verify-email", json={"token": "x" * 43}), 400, "token"
    )
    assert (await users.me(user))["account_metadata"]["email_verified"] is True


@pytest.mark.parametrize("field", ["email", "password"])
async def test_login_answers_the_same_for_unknown_email_and_wrong_password(
    users: Harness, field: str
) -> None:
    user = await users.register()
    body = {"email": user.email, "password": PASSWORD} | {field: "wrong-value@example.com"}
    response = await users.client.post("/api/v1/auth/login", json=body)
    assert assert_problem(response, 401)["type"].endswith("/invalid-credentials")


async def test_the_mailed_verification_link_opens_the_web_page_and_its_token_works(users: Harness) -> None:
    user = await users.register()
    link = users.mailer.sent[-1].link
    # The web app's page (it confirms with a POST and shows the outcome), not raw JSON.
    assert link.startswith("http://users.test/verify-email?token=")
    token = link.split("token=", 1)[1]
    # Links mailed before this change pointed at the API's GET route; it still works.
    api_link = f"http://users.test/api/v1/auth/verify-email?token={token}"
    assert (await users.client.get(api_link)).status_code == 200
    assert (await users.me(user))["account_metadata"]["email_verified"] is True
    assert_problem(await users.client.get(api_link), 400, "token")


async def test_one_users_logout_leaves_anothers_sessions_alone(users: Harness) -> None:
    a, b = await users.register(), await users.register()
    assert (
        await users.client.post("/api/v1/auth/logout", json={"refresh_token": a.refresh_token})
    ).status_code == 204
    assert_problem(
        await users.client.post("/api/v1/auth/refresh", json={"refresh_token": a.refresh_token}), 401
    )
    assert (
        await users.client.post("/api/v1/auth/refresh", json={"refresh_token": b.refresh_token})
    ).status_code == 200
