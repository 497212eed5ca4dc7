"""User A can never read or change user B's profiles, devices, list, sessions or parental controls."""

from __future__ import annotations

from tests.integration.users.harness import Harness, assert_problem


async def test_a_cannot_touch_bs_household(users: Harness) -> None:
    a, b = await users.register(), await users.register()
    b_profile = (
        await users.client.post(
            "/api/v1/me/profiles", json={"name": "B kid", "is_kids": True}, headers=b.auth
        )
    ).json()["profile_id"]
    b_device = (
        await users.client.post("/api/v1/me/devices", json={"device_type": "smartphone"}, headers=b.auth)
    ).json()["device_id"]
    item = {"content_id": "b-title", "content_type": "movie", "profile_id": b_profile}
    assert (await users.client.post("/api/v1/me/list", json=item, headers=b.auth)).status_code == 201
    before = await users.me(b)

    client = users.client
    assert_problem(
        await client.patch(f"/api/v1/me/profiles/{b_profile}", json={"name": "pwned"}, headers=a.auth), 404
    )
    assert_problem(await client.delete(f"/api/v1/me/profiles/{b_profile}", headers=a.auth), 404)
    assert_problem(
        await client.post(f"/api/v1/me/profiles/{b_profile}/unlock", json={"pin": "0000"}, headers=a.auth),
        404,
    )
    assert_problem(await client.delete(f"/api/v1/me/devices/{b_device}", headers=a.auth), 404)
    assert_problem(await client.delete("/api/v1/me/list/b-title", headers=a.auth), 404)
    # B's ids used inside A's own requests are refused, not silently attached.
    assert_problem(await client.post("/api/v1/me/list", json=item, headers=a.auth), 422, "profile_id")
    device = {"device_type": "tablet", "active_profile": b_profile}
    assert_problem(
        await client.post("/api/v1/me/devices", json=device, headers=a.auth), 422, "active_profile"
    )
    controls = {"enabled": True, "pin": "1111", "restricted_profiles": [b_profile]}
    assert_problem(
        await client.put("/api/v1/me/parental-controls", json=controls, headers=a.auth),
        422,
        "restricted_profiles",
    )
    # A's reads show A's data only.
    assert (await client.get("/api/v1/me/list", params={"profile_id": b_profile}, headers=a.auth)).json() == {
        "items": []
    }
    assert all(p["profile_id"] != b_profile for p in (await users.me(a))["profiles"])
    # A's logout with B's refresh token ends only that token's own session: knowing it is the
    # proof (a stolen token is exactly what logout is for); A's token never reaches B's account.
    after = await users.me(b)
    assert after["profiles"] == before["profiles"] and after["devices"] == before["devices"]
    assert after["my_list"] == before["my_list"]


async def test_subscriptions_are_billings_not_an_admin_put(users: Harness) -> None:
    """An admin changes a subscription through billing's routes (who may, and what the document
    then shows: tests/integration/billing/test_account_projection.py); users has no route for it."""
    a, b = await users.register(), await users.register()
    body = {"tier": "ultra", "status": "active"}
    assert_problem(await users.client.post("/api/v1/admin/users/signing-keys/rotate", headers=a.auth), 403)
    admin = await users.admin()
    for auth in (admin.auth, a.auth, {}):
        gone = await users.client.put(
            f"/api/v1/admin/users/{b.user_id}/subscription", json=body, headers=auth
        )
        assert gone.status_code in (404, 405), gone.text
    assert (await users.me(b))["subscription"] == {"tier": "basic", "status": "active", "auto_renew": True}
    assert await users.events("users.subscription.changed.v1", b.user_id) == []


async def test_every_account_route_needs_a_token(users: Harness) -> None:
    for method, path in [
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/me/profiles"),
        ("POST", "/api/v1/me/profiles"),
        ("GET", "/api/v1/me/devices"),
        ("GET", "/api/v1/me/list"),
        ("PUT", "/api/v1/me/parental-controls"),
        ("GET", "/api/v1/me/export"),
        ("DELETE", "/api/v1/me"),
        ("POST", "/api/v1/me/password"),
    ]:
        assert_problem(await users.client.request(method, path), 401)
