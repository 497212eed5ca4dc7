"""Account export holds everything about the user but secrets; deletion erases it and says so."""

from __future__ import annotations

import sqlalchemy as sa

from cinemesh.users.household.store.tables import DeviceRow, ListItemRow, ProfileRow
from cinemesh.users.identity.store import RefreshTokenRow, UserRow
from tests.integration.users.harness import PASSWORD, Harness, assert_problem, assert_valid_document


async def test_export_has_the_document_and_sessions_but_no_secrets(users: Harness) -> None:
    user = await users.register()
    await users.client.put(
        "/api/v1/me/parental-controls", json={"enabled": True, "pin": "9876"}, headers=user.auth
    )
    response = await users.client.get("/api/v1/me/export", headers=user.auth)
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    export = response.json()
    assert_valid_document(export["account"])
    assert export["account"]["user_id"] == user.user_id and len(export["sessions"]) == 1
    for secret in (PASSWORD, user.refresh_token, "argon2", "password_hash", "pin_hash", '"pin":'):
        assert secret not in response.text


async def test_deletion_erases_every_row_and_publishes_the_event(users: Harness) -> None:
    user, other = await users.register(), await users.register()
    await users.client.post("/api/v1/me/devices", json={"device_type": "laptop"}, headers=user.auth)
    main = (await users.me(user))["profiles"][0]["profile_id"]
    item = {"content_id": "t1", "content_type": "movie", "profile_id": main}
    await users.client.post("/api/v1/me/list", json=item, headers=user.auth)

    assert (await users.client.delete("/api/v1/me", headers=user.auth)).status_code == 204
    async with users.app.state.runtime.database.session() as session:
        for table in (UserRow, ProfileRow, DeviceRow, ListItemRow, RefreshTokenRow):
            column = getattr(table, "id" if table is UserRow else "user_id")
            assert await session.scalar(sa.select(sa.func.count()).where(column == user.user_id)) == 0, table
    [event] = await users.events("users.user.deleted.v1", user.user_id)
    assert event["user_id"] == user.user_id
    login = {"email": user.email, "password": PASSWORD}
    assert_problem(await users.client.post("/api/v1/auth/login", json=login), 401)
    assert (await users.client.get("/api/v1/me", headers=other.auth)).status_code == 200  # others untouched
