"""Ending one session ends its access tokens at once, not when they expire (issue 20.6), and a
completed reset ends every other reset link (issue 20.8)."""

from __future__ import annotations

from tests.integration.users.harness import PASSWORD, Harness, User, assert_problem


async def _second_session(users: Harness, user: User) -> User:
    tokens = await users.login(user.email)
    return User(user.user_id, user.email, user.username, tokens["access_token"], tokens["refresh_token"])


async def test_logout_ends_that_sessions_access_token_and_no_other(users: Harness) -> None:
    user = await users.register()
    phone = await _second_session(users, user)
    response = await users.client.post("/api/v1/auth/logout", json={"refresh_token": user.refresh_token})
    assert response.status_code == 204
    assert_problem(await users.client.get("/api/v1/me", headers=user.auth), 401)
    await users.me(phone)  # the other session is untouched
    [ended] = await users.events("users.session.revoked.v1", user.user_id)
    assert ended["reason"] == "logout"


async def test_a_reused_refresh_token_ends_every_access_token_of_its_family(users: Harness) -> None:
    user = await users.register()
    phone = await _second_session(users, user)
    refreshed = await users.client.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh_token})
    assert refreshed.status_code == 200
    thief = {"Authorization": f"Bearer {refreshed.json()['access_token']}"}
    assert (await users.client.get("/api/v1/me", headers=thief)).status_code == 200
    reused = await users.client.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh_token})
    assert_problem(reused, 401)
    assert_problem(await users.client.get("/api/v1/me", headers=thief), 401)
    assert_problem(await users.client.get("/api/v1/me", headers=user.auth), 401)
    await users.me(phone)
    [ended] = await users.events("users.session.revoked.v1", user.user_id)
    assert ended["reason"] == "refresh_token_reused"


async def test_a_completed_reset_ends_the_other_reset_links(users: Harness) -> None:
    user = await users.register()
    tokens = []
    for _ in range(2):
        response = await users.client.post("/api/v1/auth/password-reset", json={"email": user.email})
        assert response.status_code == 202
        await users.mail_settled()
        tokens.append(users.mailer.last_token(user.email))
    first = {"token": tokens[0], "new_password": "a new passphrase"}
    assert (await users.client.post("/api/v1/auth/password-reset/confirm", json=first)).status_code == 204
    second = {"token": tokens[1], "new_password": "the attackers passphrase"}
    assert_problem(await users.client.post("/api/v1/auth/password-reset/confirm", json=second), 400, "token")
    await users.login(user.email, "a new passphrase")


async def test_a_password_change_ends_outstanding_reset_links(users: Harness) -> None:
    user = await users.register()
    assert (
        await users.client.post("/api/v1/auth/password-reset", json={"email": user.email})
    ).status_code == 202
    await users.mail_settled()
    token = users.mailer.last_token(user.email)
    change = {"current_password": PASSWORD, "new_password": "changed passphrase"}
    assert (await users.client.post("/api/v1/me/password", json=change, headers=user.auth)).status_code == 200
    body = {"token": token, "new_password": "the attackers passphrase"}
    assert_problem(await users.client.post("/api/v1/auth/password-reset/confirm", json=body), 400, "token")
