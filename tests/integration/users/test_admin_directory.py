"""The admin's list of accounts (issue 19: no screen listed users): search by email or username,
filter by status, newest first on a keyset cursor; admins only."""

from __future__ import annotations

import uuid

from tests.integration.users.harness import Harness, assert_problem


async def test_an_admin_searches_pages_and_filters_accounts(users: Harness) -> None:
    admin = await users.admin()
    tag = uuid.uuid4().hex[:6]
    made = [await users.register(username=f"dir_{tag}_{n}") for n in range(3)]
    url = "/api/v1/admin/users"

    found = await users.client.get(url, params={"q": f"DIR_{tag}"}, headers=admin.auth)
    assert found.status_code == 200, found.text
    items = found.json()["items"]
    assert [i["user_id"] for i in items] == [u.user_id for u in reversed(made)]  # newest first
    assert {"email", "username", "status", "roles", "country", "created_at"} <= set(items[0])
    assert "password_hash" not in items[0]

    first = await users.client.get(url, params={"q": tag, "limit": 2}, headers=admin.auth)
    second = await users.client.get(
        url, params={"q": tag, "limit": 2, "cursor": first.json()["next_cursor"]}, headers=admin.auth
    )
    paged = [i["user_id"] for i in first.json()["items"] + second.json()["items"]]
    assert paged == [u.user_id for u in reversed(made)] and second.json()["next_cursor"] is None

    # A wildcard in the search is a character, not a pattern.
    assert (await users.client.get(url, params={"q": "%"}, headers=admin.auth)).json()["items"] == []

    suspended = await users.client.put(
        f"{url}/{made[0].user_id}/status", json={"status": "suspended"}, headers=admin.auth
    )
    assert suspended.status_code == 200, suspended.text
    only = await users.client.get(url, params={"q": tag, "status": "suspended"}, headers=admin.auth)
    assert [i["user_id"] for i in only.json()["items"]] == [made[0].user_id]


async def test_only_admins_list_accounts_and_bad_input_names_the_field(users: Harness) -> None:
    viewer = await users.register()
    assert_problem(await users.client.get("/api/v1/admin/users", headers=viewer.auth), 403)
    assert_problem(await users.client.get("/api/v1/admin/users"), 401)
    admin = await users.admin()
    for params, field in (
        ({"limit": 0}, "limit"),
        ({"cursor": "x"}, "cursor"),
        ({"status": "gone"}, "status"),
    ):
        assert_problem(
            await users.client.get("/api/v1/admin/users", params=params, headers=admin.auth), 422, field
        )
