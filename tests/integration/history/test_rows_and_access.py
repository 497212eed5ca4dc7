"""Continue watching, watched pages, the viewer's actions, IDOR and erasure."""

from __future__ import annotations

import datetime as dt

from cinemesh.contracts.users import ProfileChangedV1, UserDeletedV1
from cinemesh.platform.ids import new_id_str
from tests.integration.history.harness import HistoryHarness, Playback, Viewer


def _play(viewer: Viewer, *, title_id: str | None = None) -> Playback:
    content_id = new_id_str()
    return Playback(viewer=viewer, content_id=content_id, title_id=title_id or content_id)


async def test_one_entry_per_series_most_recent_first(history: HistoryHarness) -> None:
    viewer = await history.viewer()
    series = new_id_str()
    episode_1, episode_2 = _play(viewer, title_id=series), _play(viewer, title_id=series)
    movie = _play(viewer)
    await history.feed(episode_1.report(300, at=history.at()))
    await history.feed(movie.report(400, at=history.at()))
    await history.feed(episode_2.report(120, at=history.at()))
    items = (await history.get(viewer, "/api/v1/history/continue-watching")).json()["items"]
    assert [(i["content_id"], i["title_id"]) for i in items] == [
        (episode_2.content_id, series),
        (movie.content_id, movie.title_id),
    ]


async def test_remove_from_row_keeps_the_point_and_playing_brings_it_back(history: HistoryHarness) -> None:
    viewer = await history.viewer()
    movie = _play(viewer)
    await history.feed(movie.report(420, at=history.at()))
    removed = await history.client.delete(
        f"/api/v1/history/continue-watching/{movie.content_id}", params=viewer.params(), headers=viewer.auth
    )
    assert removed.status_code == 204
    assert (await history.get(viewer, "/api/v1/history/continue-watching")).json()["items"] == []
    kept = (await history.get(viewer, f"/api/v1/history/progress/{movie.content_id}")).json()
    assert kept["position_seconds"] == 420 and kept["hidden"] is True
    await history.feed(movie.report(450, at=history.at()))
    items = (await history.get(viewer, "/api/v1/history/continue-watching")).json()["items"]
    assert [i["position_seconds"] for i in items] == [450]


async def test_watched_pages_mark_and_delete(history: HistoryHarness) -> None:
    viewer = await history.viewer()
    movies = [_play(viewer) for _ in range(5)]
    for movie in movies:
        await history.feed(movie.report(999, at=history.at()))
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await history.get(viewer, "/api/v1/history", **params)).json()
        seen += [item["content_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [movie.content_id for movie in reversed(movies)]
    bad = await history.get(viewer, "/api/v1/history", cursor="not-a-cursor!")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"

    url = f"/api/v1/history/progress/{movies[0].content_id}"
    unwatched = await history.client.delete(f"{url}/watched", params=viewer.params(), headers=viewer.auth)
    assert unwatched.json()["completed"] is False and unwatched.json()["times_watched"] == 0
    marked = await history.client.put(f"{url}/watched", params=viewer.params(), headers=viewer.auth)
    assert marked.json()["completed"] is True and marked.json()["times_watched"] == 1

    deleted = await history.client.delete(url, params=viewer.params(), headers=viewer.auth)
    assert deleted.status_code == 204
    assert (await history.get(viewer, url)).status_code == 404
    cleared = await history.client.delete("/api/v1/history", params=viewer.params(), headers=viewer.auth)
    assert cleared.status_code == 204
    assert (await history.get(viewer, "/api/v1/history")).json()["items"] == []


async def test_another_accounts_profile_is_not_found(history: HistoryHarness) -> None:
    owner, intruder = await history.viewer(), await history.viewer()
    movie = _play(owner)
    await history.feed(movie.report(500, at=history.at()))
    as_intruder = {"profile_id": owner.profile_id}
    for method, path in (
        ("GET", "/api/v1/history/continue-watching"),
        ("GET", "/api/v1/history"),
        ("GET", f"/api/v1/history/progress/{movie.content_id}"),
        ("DELETE", f"/api/v1/history/continue-watching/{movie.content_id}"),
        ("DELETE", f"/api/v1/history/progress/{movie.content_id}"),
        ("PUT", f"/api/v1/history/progress/{movie.content_id}/watched"),
        ("DELETE", "/api/v1/history"),
        ("GET", "/api/v1/history/paused"),
        ("GET", "/api/v1/history/stream"),
    ):
        response = await history.client.request(method, path, params=as_intruder, headers=intruder.auth)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["type"].endswith("profile-not-found")
    unknown = await history.get(owner, "/api/v1/history/continue-watching", profile_id=new_id_str())
    assert unknown.status_code == 404
    anonymous = await history.client.get("/api/v1/history/continue-watching", params=owner.params())
    assert anonymous.status_code == 401
    still = (await history.get(owner, f"/api/v1/history/progress/{movie.content_id}")).json()
    assert still["position_seconds"] == 500 and still["hidden"] is False


async def test_kids_profile_sees_none_of_the_main_profiles_history(history: HistoryHarness) -> None:
    main = await history.viewer()
    kids = await history.viewer(user_id=main.user_id, is_kids=True)
    await history.feed(_play(main).report(500, at=history.at()))
    assert (await history.get(kids, "/api/v1/history/continue-watching")).json()["items"] == []


async def test_erasure_on_profile_deletion_and_account_deletion(history: HistoryHarness) -> None:
    main = await history.viewer()
    second = await history.viewer(user_id=main.user_id)
    await history.feed(_play(main).report(500, at=history.at()), _play(second).report(300, at=history.at()))
    now = dt.datetime.now(dt.UTC)
    await history.feed(
        ProfileChangedV1(
            user_id=main.user_id,
            profile_id=second.profile_id,
            change="deleted",
            name="Second",
            is_kids=False,
            is_main=False,
            max_maturity_rating=None,
            pin_required=False,
            changed_at=now,
        )
    )
    assert (await history.get(second, "/api/v1/history/continue-watching")).status_code == 404
    assert len((await history.get(main, "/api/v1/history/continue-watching")).json()["items"]) == 1
    await history.feed(UserDeletedV1(user_id=main.user_id, deleted_at=now))
    assert (await history.get(main, "/api/v1/history/continue-watching")).status_code == 404
    database = history.app.state.runtime.database
    async with database.session() as session:
        from sqlalchemy import func, select

        from cinemesh.history.store import profiles, progress

        left = await session.scalar(
            select(func.count()).select_from(progress).where(progress.c.user_id == main.user_id)
        )
        owners = await session.scalar(
            select(func.count()).select_from(profiles).where(profiles.c.user_id == main.user_id)
        )
    assert (left, owners) == (0, 0)


async def test_paused_profile_leaves_no_history_until_resumed(history: HistoryHarness) -> None:
    viewer = await history.viewer()
    movie = _play(viewer)
    url = "/api/v1/history/paused"
    assert (await history.get(viewer, url)).json() == {"paused": False}
    paused = await history.client.put(url, params=viewer.params(), headers=viewer.auth, json={"paused": True})
    assert paused.status_code == 204
    assert (await history.get(viewer, url)).json() == {"paused": True}
    await history.feed(movie.report(400, at=history.at()))
    assert (await history.get(viewer, f"/api/v1/history/progress/{movie.content_id}")).status_code == 404
    bad = await history.client.put(url, params=viewer.params(), headers=viewer.auth, json={"paused": "later"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "paused"
    await history.client.put(url, params=viewer.params(), headers=viewer.auth, json={"paused": False})
    await history.feed(movie.report(420, at=history.at()))
    entry = (await history.get(viewer, f"/api/v1/history/progress/{movie.content_id}")).json()
    assert entry["position_seconds"] == 420
