"""A my-list add is a recommendation signal (the users service's `users.my_list.changed.v1` on
the event log): weaker than a watch, taken back by a removal, and never learnt from a profile
whose `watch_history_included` is false."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Literal

import pytest

from cinemesh.contracts.users import MyListChangedV1
from cinemesh.discovery.service.recommend import LISTED_STRENGTH
from cinemesh.discovery.store.signals import Watched, watched_by
from cinemesh.platform.ids import new_id_str
from cinemesh.platform.settings import Settings
from tests.integration.catalog.conftest import eventually
from tests.integration.discovery.platform import Platform, Profile, running_platform
from tests.integration.discovery.test_recommendations import COMEDIES, plant, publish_sides


@pytest.fixture
async def platform(discovery_settings: Settings) -> AsyncIterator[Platform]:
    async with running_platform(discovery_settings) as running:
        yield running


async def my_list(
    platform: Platform,
    profile: Profile,
    title_id: str,
    change: Literal["added", "removed"],
    *,
    everywhere: bool = False,
) -> None:
    event = MyListChangedV1(
        user_id=profile.user_id, profile_id=None if everywhere else profile.profile_id,
        content_id=title_id, change=change, changed_at=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    await platform.catalog.publish(event)


async def interactions(platform: Platform, profile: Profile) -> list[Watched]:
    async with platform.recommend.database.session() as session:
        return await watched_by(session, profile.profile_id)


async def settled(platform: Platform, profile: Profile, count: int) -> list[Watched]:
    async def arrived() -> bool:
        return len(await interactions(platform, profile)) == count

    await eventually(arrived, what=f"{count} signals of {profile.profile_id} in discovery")
    return await interactions(platform, profile)


async def test_a_my_list_add_is_a_weaker_signal_and_a_removal_takes_it_back(platform: Platform) -> None:
    ids = await publish_sides(platform)
    await plant(platform, ids)
    account = new_id_str()
    private = await platform.profile(user_id=account, included=False)
    newcomer = await platform.profile(user_id=account)
    assert "top-picks" not in await platform.rows(private)

    # One account: its events keep their order, so the opted-out profile's add came first.
    await my_list(platform, private, ids["Comedy One"], "added")
    await my_list(platform, newcomer, ids["Comedy One"], "added")
    [listed] = await settled(platform, newcomer, 1)
    assert (listed.title_id, listed.strength, listed.finished) == (ids["Comedy One"], LISTED_STRENGTH, False)
    assert await interactions(platform, private) == []
    rows = await platform.rows(newcomer)
    assert rows["top-picks"] and set(rows["top-picks"]) <= set(COMEDIES), rows
    assert rows.get("because-you-watched") and set(rows["because-you-watched"]) <= set(COMEDIES), rows
    private_rows = await platform.rows(private)
    assert "top-picks" not in private_rows and "because-you-watched" not in private_rows

    # A watch of the same title is its own, stronger signal; the list's removal leaves it.
    await platform.watch(newcomer, ids["Comedy One"])
    await settled(platform, newcomer, 2)
    await my_list(platform, newcomer, ids["Comedy One"], "removed")
    [watched] = await settled(platform, newcomer, 1)
    assert watched.finished and watched.strength > LISTED_STRENGTH

    # An account-wide removal (no profile) takes the add back from every profile of the account.
    await my_list(platform, newcomer, ids["Comedy Two"], "added")
    await settled(platform, newcomer, 2)
    await my_list(platform, newcomer, ids["Comedy Two"], "removed", everywhere=True)
    assert [w.title_id for w in await settled(platform, newcomer, 1)] == [ids["Comedy One"]]
