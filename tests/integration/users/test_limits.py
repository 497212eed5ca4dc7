"""Every limit of the seed schema is a 422 problem naming the field, and nothing is written."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from cinemesh.users.household.domain import MAX_LIST_ITEMS
from cinemesh.users.household.store.tables import ListItemRow
from tests.integration.users.harness import Harness, User, assert_problem


async def _count(users: Harness, user: User, path: str) -> int:
    response = await users.client.get(path, headers=user.auth)
    assert response.status_code == 200, response.text
    return len(response.json()["items"])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"username": "ab"}, "username"),
        ({"username": "x" * 31}, "username"),
        ({"username": "has space"}, "username"),
        ({"country": "de"}, "country"),
        ({"country": "DEU"}, "country"),
        ({"email": "not-an-email"}, "email"),
        ({"password": "short"}, "password"),
    ],
)
async def test_registration_limits(users: Harness, change: dict[str, str], field: str) -> None:
    body = {
        "email": "limits@example.com",
        "username": "limits",
        "password": "long enough pw",
        "country": "DE",
    }
    assert_problem(await users.client.post("/api/v1/auth/register", json=body | change), 422, field)
    login = {"email": body["email"], "password": body["password"]}
    assert_problem(await users.client.post("/api/v1/auth/login", json=login), 401)  # nothing written


async def test_a_sixth_profile_is_refused(users: Harness) -> None:
    user = await users.register()
    for number in range(4):
        created = await users.client.post(
            "/api/v1/me/profiles", json={"name": f"P{number}"}, headers=user.auth
        )
        assert created.status_code == 201, created.text
    sixth = await users.client.post("/api/v1/me/profiles", json={"name": "Sixth"}, headers=user.auth)
    assert_problem(sixth, 422, "profiles")
    assert await _count(users, user, "/api/v1/me/profiles") == 5
    assert len(await users.events("users.profile.changed.v1", user.user_id)) == 5


async def test_an_eleventh_device_is_refused(users: Harness) -> None:
    user = await users.register()
    for _ in range(10):
        added = await users.client.post(
            "/api/v1/me/devices", json={"device_type": "tablet"}, headers=user.auth
        )
        assert added.status_code == 201, added.text
    eleventh = await users.client.post(
        "/api/v1/me/devices", json={"device_type": "tablet"}, headers=user.auth
    )
    assert_problem(eleventh, 422, "devices")
    assert await _count(users, user, "/api/v1/me/devices") == 10


async def test_the_501st_list_item_is_refused(users: Harness) -> None:
    user = await users.register()
    main = (await users.me(user))["profiles"][0]["profile_id"]
    # 499 saved straight into the table (500 HTTP round trips would only slow the suite), then
    # the 500th through the API, which must still fit, and the 501st, which must not.
    async with users.app.state.runtime.database.transaction() as session:
        added = dt.datetime.now(dt.UTC)
        session.add_all(
            ListItemRow(
                user_id=user.user_id,
                profile_id=main,
                content_id=f"t{n}",
                content_type="movie",
                added_date=added,
            )
            for n in range(MAX_LIST_ITEMS - 1)
        )
    item = {"content_type": "movie", "profile_id": main}
    last = await users.client.post("/api/v1/me/list", json=item | {"content_id": "last"}, headers=user.auth)
    assert last.status_code == 201, last.text
    over = await users.client.post("/api/v1/me/list", json=item | {"content_id": "over"}, headers=user.auth)
    assert_problem(over, 422, "my_list")
    assert await _count(users, user, "/api/v1/me/list") == MAX_LIST_ITEMS
    assert (await users.me(user))["my_list"][0]["content_id"] == "last"  # the document still validates


@pytest.mark.parametrize("pin", ["123", "12345", "abcd", 1234])
async def test_a_pin_that_is_not_four_digits_is_refused(users: Harness, pin: object) -> None:
    user = await users.register()
    response = await users.client.put(
        "/api/v1/me/parental-controls", json={"enabled": True, "pin": pin}, headers=user.auth
    )
    assert_problem(response, 422, "pin")
    assert (await users.me(user))["preferences"]["parental_controls"]["enabled"] is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x" * 16}, "name"),
        ({"name": ""}, "name"),
        ({"name": "Ok", "max_maturity_rating": "X-99"}, "max_maturity_rating"),
        ({"name": "Ok", "preferences": {"language": "eng"}}, "preferences.language"),
        ({"name": "Ok", "avatar": {"url": "javascript:alert(1)"}}, "avatar.url"),
        ({"name": "Ok", "is_main": True}, "is_main"),
    ],
)
async def test_profile_field_limits(users: Harness, body: dict[str, object], field: str) -> None:
    user = await users.register()
    assert_problem(await users.client.post("/api/v1/me/profiles", json=body, headers=user.auth), 422, field)
    assert await _count(users, user, "/api/v1/me/profiles") == 1


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/me/devices", {"device_type": "toaster"}, "device_type"),
        (
            "/api/v1/me/list",
            {"content_id": "a", "content_type": "podcast", "profile_id": "p"},
            "content_type",
        ),
        (
            "/api/v1/me/list",
            {"content_id": "a/../b", "content_type": "movie", "profile_id": "p"},
            "content_id",
        ),
        (
            "/api/v1/me/list",
            {"content_id": "a", "content_type": "movie", "profile_id": "no-such-profile"},
            "profile_id",
        ),
    ],
)
async def test_device_and_list_field_limits(
    users: Harness, path: str, body: dict[str, object], field: str
) -> None:
    user = await users.register()
    assert_problem(await users.client.post(path, json=body, headers=user.auth), 422, field)
    assert await _count(users, user, path) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"language": "english"}, "language"),
        ({"video_quality": "8k"}, "video_quality"),
        ({"autoplay": None}, "autoplay"),
    ],
)
async def test_preference_limits(users: Harness, body: dict[str, object], field: str) -> None:
    user = await users.register()
    assert_problem(
        await users.client.patch("/api/v1/me/preferences", json=body, headers=user.auth), 422, field
    )
    preferences = (await users.me(user))["preferences"]
    assert (
        preferences["language"] == "en"
        and preferences["video_quality"] == "auto"
        and preferences["autoplay"] is True
    )


async def test_preferences_update_keeps_the_other_defaults(users: Harness) -> None:
    user = await users.register()
    updated = await users.client.patch(
        "/api/v1/me/preferences", json={"subtitle_language": "fr"}, headers=user.auth
    )
    assert updated.status_code == 200, updated.text
    preferences = (await users.me(user))["preferences"]
    assert preferences["subtitle_language"] == "fr" and preferences["language"] == "en"


async def test_concurrent_registrations_of_one_email_make_one_account(users: Harness) -> None:

    bodies = [
        {"email": "race@example.com", "username": f"racer{n}", "password": "long enough pw", "country": "DE"}
        for n in range(4)
    ]
    responses = await asyncio.gather(*(users.client.post("/api/v1/auth/register", json=b) for b in bodies))
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409], [r.text for r in responses]


async def test_concurrent_profile_creation_never_passes_the_limit(users: Harness) -> None:

    user = await users.register()
    creations = [
        users.client.post("/api/v1/me/profiles", json={"name": f"P{n}"}, headers=user.auth) for n in range(8)
    ]
    statuses = sorted(r.status_code for r in await asyncio.gather(*creations))
    assert statuses == [201] * 4 + [422] * 4
    assert await _count(users, user, "/api/v1/me/profiles") == 5
