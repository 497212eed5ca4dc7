"""Next up through the API: catalog's series documents consumed, a profile's next episodes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cinemesh.contracts.catalog import TitleUpdatedV1
from cinemesh.platform.ids import new_id_str
from tests.integration.history.harness import HistoryHarness, Playback

UPDATED = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def series_document(title_id: str, episodes: list[str], *, status: str = "published") -> dict[str, Any]:
    return {
        "id": title_id,
        "title": "Night Shift",
        "type": "tv_series",
        "status": status,
        "seasons": [
            {
                "number": 1,
                "episodes": [
                    {"id": episode, "number": number, "name": f"Episode {number}", "video_id": new_id_str()}
                    for number, episode in enumerate(episodes, 1)
                ],
            }
        ],
    }


async def test_a_series_resumes_then_offers_the_next_episode(history: HistoryHarness) -> None:
    viewer = await history.viewer()
    series, episodes = new_id_str(), [new_id_str() for _ in range(3)]
    await history.feed(
        TitleUpdatedV1(title_id=series, document=series_document(series, episodes), updated_at=UPDATED)
    )
    first = Playback(viewer=viewer, content_id=episodes[0], title_id=series, content_type="episode")
    await history.feed(first.report(400, at=history.at()))
    items = (await history.get(viewer, "/api/v1/history/next-up")).json()["items"]
    assert [(i["content_id"], i["kind"], i["position_seconds"]) for i in items] == [
        (episodes[0], "resume", 400)
    ]
    assert items[0]["series_title"] == "Night Shift" and items[0]["episode_number"] == 1

    await history.feed(first.report(950, at=history.at()))  # past 90 %: watched
    items = (await history.get(viewer, "/api/v1/history/next-up")).json()["items"]
    assert [(i["content_id"], i["kind"], i["episode_number"]) for i in items] == [(episodes[1], "start", 2)]
    assert items[0]["position_seconds"] is None

    # Catalog's older document replayed changes nothing; a newer one (unpublished) does.
    stale = TitleUpdatedV1(
        title_id=series, document=series_document(series, episodes[:1]), updated_at=UPDATED
    )
    await history.feed(stale)
    kept = (await history.get(viewer, "/api/v1/history/next-up")).json()["items"]
    assert kept[0]["content_id"] == episodes[1]
    archived = series_document(series, episodes, status="archived")
    later = UPDATED + dt.timedelta(days=1)
    await history.feed(TitleUpdatedV1(title_id=series, document=archived, updated_at=later))
    assert (await history.get(viewer, "/api/v1/history/next-up")).json()["items"] == []


async def test_next_up_is_per_profile_and_refuses_other_accounts(history: HistoryHarness) -> None:
    owner, stranger = await history.viewer(), await history.viewer()
    kids = await history.viewer(user_id=owner.user_id, is_kids=True)
    series, episodes = new_id_str(), [new_id_str(), new_id_str()]
    await history.feed(
        TitleUpdatedV1(title_id=series, document=series_document(series, episodes), updated_at=UPDATED)
    )
    watched = Playback(viewer=owner, content_id=episodes[0], title_id=series)
    await history.feed(watched.report(999, at=history.at()))
    assert len((await history.get(owner, "/api/v1/history/next-up")).json()["items"]) == 1
    assert (await history.get(kids, "/api/v1/history/next-up")).json()["items"] == []
    foreign = await history.client.get(
        "/api/v1/history/next-up", params=owner.params(), headers=stranger.auth
    )
    assert foreign.status_code == 404 and foreign.json()["type"].endswith("profile-not-found")
    bad = await history.get(owner, "/api/v1/history/next-up", limit=0)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "limit"
    anonymous = await history.client.get("/api/v1/history/next-up", params=owner.params())
    assert anonymous.status_code == 401
