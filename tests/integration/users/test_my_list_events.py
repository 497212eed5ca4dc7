"""My list is a recommendation signal: each change of the list publishes one
`users.my_list.changed.v1` in its own transaction; a save or removal that changes nothing, none."""

from __future__ import annotations

from cinemesh.contracts.users import MyListChangedV1
from tests.integration.users.harness import Harness, assert_problem

CHANGED = MyListChangedV1.event_type


async def test_save_and_unsave_publish_one_event_each(users: Harness) -> None:
    user = await users.register()
    main = (await users.me(user))["profiles"][0]["profile_id"]
    item = {"content_id": "title-1", "content_type": "movie", "profile_id": main}

    saved = await users.client.post("/api/v1/me/list", json=item, headers=user.auth)
    assert saved.status_code == 201, saved.text
    again = await users.client.post("/api/v1/me/list", json=item, headers=user.auth)
    assert again.status_code == 200, again.text  # already there: the list did not change
    events = await users.events(CHANGED, user.user_id)
    assert [(e["profile_id"], e["content_id"], e["change"]) for e in events] == [(main, "title-1", "added")]

    removed = await users.client.delete(
        "/api/v1/me/list/title-1", params={"profile_id": main}, headers=user.auth
    )
    assert removed.status_code == 204, removed.text
    assert_problem(await users.client.delete("/api/v1/me/list/title-1", headers=user.auth), 404)
    events = await users.events(CHANGED, user.user_id)
    assert [e["change"] for e in events] == ["added", "removed"]
    assert events[1]["profile_id"] == main
    assert all(MyListChangedV1.model_validate(e) for e in events)


async def test_an_account_wide_removal_is_one_event_without_a_profile(users: Harness) -> None:
    user = await users.register()
    main = (await users.me(user))["profiles"][0]["profile_id"]
    item = {"content_id": "title-2", "content_type": "movie", "profile_id": main}
    assert (await users.client.post("/api/v1/me/list", json=item, headers=user.auth)).status_code == 201
    assert (await users.client.delete("/api/v1/me/list/title-2", headers=user.auth)).status_code == 204
    events = await users.events(CHANGED, user.user_id)
    assert [(e["profile_id"], e["change"]) for e in events] == [(main, "added"), (None, "removed")]
