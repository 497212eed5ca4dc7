"""Parental controls: effective limits published per profile, the PIN, and profile unlock tokens."""

from __future__ import annotations

from pathlib import Path

import pytest

from cinemesh.platform.tokens import JwksKeySource, TokenVerifier
from cinemesh.users.household.service.profiles import UNLOCK_TOKEN_USE
from tests.integration.users.harness import Harness, User, assert_problem, running_users


async def _profile(users: Harness, user: User, **body: object) -> str:
    created = await users.client.post("/api/v1/me/profiles", json=body, headers=user.auth)
    assert created.status_code == 201, created.text
    profile_id: str = created.json()["profile_id"]
    return profile_id


async def test_profile_events_carry_the_effective_limit(users: Harness) -> None:
    user = await users.register()
    kid = await _profile(users, user, name="Kid", is_kids=True)
    teen = await _profile(users, user, name="Teen", max_maturity_rating="TV-14")
    controls = {
        "enabled": True,
        "max_maturity_rating": "PG-13",
        "pin": "4321",
        "restricted_profiles": [kid, teen],
    }
    assert (
        await users.client.put("/api/v1/me/parental-controls", json=controls, headers=user.auth)
    ).status_code == 200

    latest = {e["profile_id"]: e for e in await users.events("users.profile.changed.v1", user.user_id)}
    assert latest[kid]["max_maturity_rating"] == "PG"  # the kids default is already lower than PG-13
    assert latest[teen]["max_maturity_rating"] == "PG-13"  # min(TV-14, PG-13)
    assert latest[kid]["pin_required"] and latest[teen]["pin_required"]
    main = next(e for e in latest.values() if e["is_main"])
    assert main["max_maturity_rating"] is None and not main["pin_required"]

    lower = await users.client.patch(
        f"/api/v1/me/profiles/{kid}", json={"max_maturity_rating": "TV-Y"}, headers=user.auth
    )
    assert lower.status_code == 200
    events = await users.events("users.profile.changed.v1", user.user_id)
    assert events[-1]["profile_id"] == kid and events[-1]["max_maturity_rating"] == "TV-Y"

    assert (await users.client.delete(f"/api/v1/me/profiles/{teen}", headers=user.auth)).status_code == 204
    assert (await users.client.get("/api/v1/me", headers=user.auth)).json()["preferences"][
        "parental_controls"
    ]["restricted_profiles"] == [kid]
    assert (await users.events("users.profile.changed.v1", user.user_id))[-1]["change"] == "deleted"


async def test_unlock_returns_a_token_the_jwks_verifies_and_that_is_no_access_token(users: Harness) -> None:
    user = await users.register()
    kid = await _profile(users, user, name="Kid", is_kids=True)
    controls = {"enabled": True, "pin": "2468", "restricted_profiles": [kid]}
    assert (
        await users.client.put("/api/v1/me/parental-controls", json=controls, headers=user.auth)
    ).status_code == 200

    unlocked = await users.client.post(
        f"/api/v1/me/profiles/{kid}/unlock", json={"pin": "2468"}, headers=user.auth
    )
    assert unlocked.status_code == 200, unlocked.text
    body = unlocked.json()
    assert 0 < body["expires_in"] <= 600

    async def published_keys() -> dict[str, object]:
        jwks: dict[str, object] = (await users.client.get("/.well-known/jwks.json")).json()
        return jwks

    # Verified the way the delivery service does: any token of our issuer, purpose checked.
    claims = await TokenVerifier(JwksKeySource(published_keys)).verified_claims(body["unlock_token"])
    assert claims["sub"] == user.user_id and claims["profile_id"] == kid
    assert claims["token_use"] == UNLOCK_TOKEN_USE
    as_access = {"Authorization": f"Bearer {body['unlock_token']}"}
    assert_problem(await users.client.get("/api/v1/me", headers=as_access), 401)


async def test_wrong_pins_lock_unlocking_with_retry_after(tmp_path: Path) -> None:
    async with running_users(tmp_path, users_settings={"max_failed_pins": 3}) as users:
        user = await users.register()
        kid = await _profile(users, user, name="Kid", is_kids=True)
        put = {"enabled": True, "pin": "1357", "restricted_profiles": [kid]}
        assert (
            await users.client.put("/api/v1/me/parental-controls", json=put, headers=user.auth)
        ).status_code == 200
        url = f"/api/v1/me/profiles/{kid}/unlock"
        for _ in range(3):
            assert_problem(await users.client.post(url, json={"pin": "0000"}, headers=user.auth), 403, "pin")
        locked = await users.client.post(url, json={"pin": "1357"}, headers=user.auth)
        assert_problem(locked, 429)
        assert int(locked.headers["retry-after"]) > 0


async def test_changing_controls_takes_the_current_pin(users: Harness) -> None:
    user = await users.register()
    enable = {"enabled": True, "max_maturity_rating": "PG", "pin": "1111"}
    assert (
        await users.client.put("/api/v1/me/parental-controls", json=enable, headers=user.auth)
    ).status_code == 200
    off = {"enabled": False}
    assert_problem(
        await users.client.put("/api/v1/me/parental-controls", json=off, headers=user.auth),
        422,
        "current_pin",
    )
    wrong = off | {"current_pin": "2222"}
    assert_problem(
        await users.client.put("/api/v1/me/parental-controls", json=wrong, headers=user.auth),
        403,
        "current_pin",
    )
    assert (await users.me(user))["preferences"]["parental_controls"]["enabled"] is True
    right = off | {"current_pin": "1111"}
    assert (
        await users.client.put("/api/v1/me/parental-controls", json=right, headers=user.auth)
    ).status_code == 200
    assert (await users.me(user))["preferences"]["parental_controls"]["enabled"] is False


@pytest.mark.parametrize("body", [{"enabled": True}, {"enabled": True, "max_maturity_rating": "R"}])
async def test_enabling_without_a_pin_is_refused(users: Harness, body: dict[str, object]) -> None:
    user = await users.register()
    assert_problem(
        await users.client.put("/api/v1/me/parental-controls", json=body, headers=user.auth), 422, "pin"
    )
    assert (await users.me(user))["preferences"]["parental_controls"] == {
        "enabled": False,
        "restricted_profiles": [],
        "pin_set": False,
    }


async def test_the_main_profile_cannot_be_deleted(users: Harness) -> None:
    user = await users.register()
    main = (await users.me(user))["profiles"][0]["profile_id"]
    assert_problem(await users.client.delete(f"/api/v1/me/profiles/{main}", headers=user.auth), 409)
