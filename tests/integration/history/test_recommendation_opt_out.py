"""`watch_history_included`: a profile with it false is kept out of recommendations, so every
history.progress.v1 / history.watched.v1 of it says so (discovery skips those)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
import sqlalchemy as sa

from cinemesh.contracts.users import ProfileChangedV1
from cinemesh.platform.events.outbox import outbox_table
from cinemesh.platform.ids import new_id_str
from tests.integration.history.harness import HistoryHarness, Playback, Viewer

OUTBOUND = ("history.progress.v1", "history.watched.v1")


async def outbound(history: HistoryHarness, profile_id: str) -> list[tuple[str, bool]]:
    """(type, watch_history_included) of the profile's progress and watched events, in order."""
    async with history.app.state.runtime.database.session() as session:
        query = sa.select(outbox_table.c.payload).order_by(outbox_table.c.seq)
        payloads = (await session.scalars(query)).all()
    envelopes: list[dict[str, Any]] = [orjson.loads(payload) for payload in payloads]
    return [
        (envelope["type"], envelope["data"]["watch_history_included"])
        for envelope in envelopes
        if envelope["type"] in OUTBOUND and envelope["data"]["profile_id"] == profile_id
    ]


async def set_included(
    history: HistoryHarness, viewer: Viewer, included: bool, *, kids: bool = False
) -> None:
    await history.feed(
        ProfileChangedV1(
            user_id=viewer.user_id, profile_id=viewer.profile_id, change="updated", name="Main",
            is_kids=kids, is_main=not kids, max_maturity_rating=None, pin_required=False,
            changed_at=dt.datetime.now(dt.UTC), watch_history_included=included,
        )
    )  # fmt: skip


async def test_opted_out_profile_events_say_so_and_history_still_works(history: HistoryHarness) -> None:
    viewer = await history.viewer()
    await set_included(history, viewer, False)
    movie = Playback(viewer=viewer, content_id=new_id_str(), title_id=new_id_str())
    await history.feed(movie.report(300, at=history.at()))
    await history.feed(movie.report(990, at=history.at()))
    url = f"/api/v1/history/progress/{movie.content_id}/watched"
    await history.client.delete(url, params=viewer.params(), headers=viewer.auth)  # marked unwatched
    assert await outbound(history, viewer.profile_id) == [
        ("history.progress.v1", False),
        ("history.watched.v1", False),
        ("history.watched.v1", False),
    ]
    # The viewer's own history is kept as before: the preference is about recommendations only.
    item = (await history.get(viewer, f"/api/v1/history/progress/{movie.content_id}")).json()
    assert item["completed"] is False

    await set_included(history, viewer, True)
    again = Playback(viewer=viewer, content_id=new_id_str(), title_id=new_id_str())
    await history.feed(again.report(300, at=history.at()))
    assert (await outbound(history, viewer.profile_id))[-1] == ("history.progress.v1", True)


async def test_default_and_older_profile_events_are_included(history: HistoryHarness) -> None:
    viewer = await history.viewer()  # its profile event says nothing of the preference
    movie = Playback(viewer=viewer, content_id=new_id_str(), title_id=new_id_str())
    await history.feed(movie.report(300, at=history.at()))
    assert await outbound(history, viewer.profile_id) == [("history.progress.v1", True)]
    # A kids profile's flag is its own; another profile of the account is not changed by it.
    kids = await history.viewer(user_id=viewer.user_id, is_kids=True)
    await set_included(history, kids, False, kids=True)
    await history.feed(movie.report(400, at=history.at()))  # coalesced: no new progress event
    cartoon = Playback(viewer=kids, content_id=new_id_str(), title_id=new_id_str())
    await history.feed(cartoon.report(300, at=history.at()))
    assert await outbound(history, kids.profile_id) == [("history.progress.v1", False)]
    assert await outbound(history, viewer.profile_id) == [("history.progress.v1", True)]
