"""A browser reuses its device: registering from the same installation returns the same device
(also when two registrations race), names tell devices apart, and a full list says which device
to replace and replaces it in one step."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import sqlalchemy as sa

from cinemesh.users.household.store.tables import DeviceRow
from tests.integration.users.harness import Harness, User, assert_problem

DEVICES = "/api/v1/me/devices"


def _browser(installation_id: str, name: str = "Chrome on Linux") -> dict[str, str]:
    return {"device_type": "desktop", "device_name": name, "os": "Linux", "installation_id": installation_id}


async def _devices(users: Harness, user: User) -> list[dict[str, object]]:
    listed = await users.client.get(DEVICES, headers=user.auth)
    assert listed.status_code == 200, listed.text
    items: list[dict[str, object]] = listed.json()["items"]
    return items


async def test_the_same_installation_reuses_its_device_even_when_registrations_race(users: Harness) -> None:
    user = await users.register()
    installation = uuid.uuid4().hex
    first, second = await asyncio.gather(
        users.client.post(DEVICES, json=_browser(installation), headers=user.auth),
        users.client.post(DEVICES, json=_browser(installation), headers=user.auth),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 201], (first.text, second.text)
    assert first.json()["device_id"] == second.json()["device_id"]
    # A new sign-in (a new token) from the same browser: still that device.
    again_tokens = await users.login(user.email)
    again = await users.client.post(
        DEVICES,
        json=_browser(installation),
        headers={"Authorization": f"Bearer {again_tokens['access_token']}"},
    )
    assert again.status_code == 200 and again.json()["device_id"] == first.json()["device_id"]
    assert len(await _devices(users, user)) == 1
    assert len(await users.events("users.device.changed.v1", user.user_id)) == 1


async def test_names_tell_devices_apart(users: Harness) -> None:
    user = await users.register()
    names = []
    for _ in range(3):
        added = await users.client.post(DEVICES, json=_browser(uuid.uuid4().hex), headers=user.auth)
        assert added.status_code == 201, added.text
        names.append(added.json()["device_name"])
    assert names == ["Chrome on Linux", "Chrome on Linux (2)", "Chrome on Linux (3)"]


async def test_a_full_list_names_the_least_recently_used_device_and_replaces_it(users: Harness) -> None:
    user = await users.register()
    ids = []
    for index in range(10):
        added = await users.client.post(
            DEVICES, json=_browser(f"installation-{index:02d}", f"Device {index}"), headers=user.auth
        )
        assert added.status_code == 201, added.text
        ids.append(added.json()["device_id"])
    # Device 3 was used longest ago; device 0 was seen again (its browser signed in) just now.
    database = users.app.state.runtime.database
    async with database.transaction() as session:
        await session.execute(
            sa.update(DeviceRow)
            .where(DeviceRow.id == ids[3])
            .values(last_active=dt.datetime.now(dt.UTC) - dt.timedelta(days=30))
        )
    full = await users.client.post(DEVICES, json=_browser("installation-new"), headers=user.auth)
    problem = assert_problem(full, 422, "devices")
    assert problem["type"].endswith("/device-limit-reached")
    assert "Device 3" in problem["detail"] and "Devices page" in problem["detail"]
    assert problem["least_recently_used"]["device_id"] == ids[3]
    assert problem["devices_page"] == "/account/devices"
    assert len(await _devices(users, user)) == 10

    replace = {**_browser("installation-new"), "replace_device_id": ids[3]}
    replaced = await users.client.post(DEVICES, json=replace, headers=user.auth)
    assert replaced.status_code == 201, replaced.text
    listed = {item["device_id"] for item in await _devices(users, user)}
    assert ids[3] not in listed and replaced.json()["device_id"] in listed and len(listed) == 10
    changes = [
        (e["device_id"], e["change"]) for e in await users.events("users.device.changed.v1", user.user_id)
    ]
    assert (ids[3], "removed") in changes

    unknown = await users.client.post(
        DEVICES, json={**_browser("installation-x"), "replace_device_id": ids[3]}, headers=user.auth
    )
    assert_problem(unknown, 422, "replace_device_id")


async def test_a_device_is_read_by_its_owner_only(users: Harness) -> None:
    owner, other = await users.register(), await users.register()
    added = await users.client.post(DEVICES, json=_browser(uuid.uuid4().hex), headers=owner.auth)
    device_id = added.json()["device_id"]
    mine = await users.client.get(f"{DEVICES}/{device_id}", headers=owner.auth)
    assert mine.status_code == 200 and mine.json()["device_name"] == "Chrome on Linux"
    assert_problem(await users.client.get(f"{DEVICES}/{device_id}", headers=other.auth), 404)
    assert (await users.client.get(f"{DEVICES}/{device_id}")).status_code == 401
