"""The lifecycle state machine over HTTP, its 409s, and the events each step publishes."""

from __future__ import annotations

import asyncio
import datetime as dt

from cinemesh.catalog.write.service.expiry import expire_due_titles
from cinemesh.contracts.catalog import CATALOG_TOPIC
from cinemesh.platform.ids import new_id_str
from tests.integration.catalog.conftest import Catalog

MOVIE = {"title": "Lifecycle", "type": "movie", "maturity_rating": "PG", "genres": ["drama"]}


async def event_types(catalog: Catalog, title_id: str, *, expected: int) -> list[str]:
    return await catalog.events(CATALOG_TOPIC, title_id, until=lambda types: len(types) >= expected)


async def test_publishing_needs_a_ready_video_and_illegal_moves_are_409(catalog: Catalog) -> None:
    headers = catalog.admin()
    # Open somewhere: a publish no one could watch is refused (test_worldwide.py).
    worldwide = [{"country": "*", "starts_at": "2020-01-01T00:00:00Z"}]
    title = await catalog.create({**MOVIE, "availability": worldwide}, headers)
    url = f"/api/v1/titles/{title['id']}"

    draft_publish = await catalog.client.post(f"{url}/publish", headers=headers)
    assert draft_publish.status_code == 409
    assert draft_publish.headers["content-type"] == "application/problem+json"
    assert draft_publish.json()["type"].endswith("/illegal-transition")
    assert draft_publish.json()["status_now"] == "draft"

    assert (await catalog.client.post(f"{url}/unpublish", headers=headers)).status_code == 409

    attached = await catalog.client.put(f"{url}/video", json={"video_id": "vid-1"}, headers=headers)
    assert attached.json()["status"] == "ready"
    published = await catalog.client.post(f"{url}/publish", headers=headers)
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert (await catalog.client.post(f"{url}/publish", headers=headers)).status_code == 409

    unpublished = await catalog.client.post(f"{url}/unpublish", headers=headers)
    assert unpublished.json()["status"] == "unpublished"
    assert (await catalog.client.post(f"{url}/publish", headers=headers)).json()["status"] == "published"
    assert (await catalog.client.post(f"{url}/archive", headers=headers)).json()["status"] == "archived"
    for action in ("publish", "unpublish", "archive"):
        refused = await catalog.client.post(f"{url}/{action}", headers=headers)
        assert refused.status_code == 409, action
    edit = await catalog.client.patch(url, json={"title": "Renamed"}, headers=headers)
    assert edit.status_code == 409 and edit.json()["type"].endswith("/title-archived")

    # Each change: its own event (if it has one) + the document snapshot; refused moves: nothing.
    types = await event_types(catalog, title["id"], expected=11)
    assert len(types) == 11
    assert types.count("catalog.title.published.v1") == 2
    assert types.count("catalog.title.unpublished.v1") == 2  # unpublish, then archive of a live title
    assert types[0] == "catalog.title.created.v1"


async def test_only_editors_change_titles_and_providers_only_their_own(catalog: Catalog) -> None:
    provider = catalog.auth(user_id=new_id_str(), roles=("content_provider",))
    other_provider = catalog.auth(user_id=new_id_str(), roles=("content_provider",))
    title = await catalog.create(MOVIE, provider)
    url = f"/api/v1/titles/{title['id']}"

    assert (await catalog.client.patch(url, json={"title": "Mine"}, headers=provider)).status_code == 200
    assert (
        await catalog.client.patch(url, json={"title": "Theirs"}, headers=other_provider)
    ).status_code == 404
    assert (await catalog.client.post(f"{url}/archive", headers=other_provider)).status_code == 404
    assert (
        await catalog.client.patch(url, json={"title": "Viewer"}, headers=catalog.auth())
    ).status_code == 403
    assert (await catalog.client.patch(url, json={"title": "Anon"})).status_code == 401
    # Attaching a video by hand is for admins only (the media pipeline does it otherwise).
    video = await catalog.client.put(f"{url}/video", json={"video_id": "v"}, headers=provider)
    assert video.status_code == 403
    # An editor sees its own change at once: detail reads the write model for editors.
    detail = await catalog.client.get(url, headers=provider)
    assert detail.json()["title"] == "Mine" and detail.json()["status"] == "draft"
    assert (await catalog.client.get(url, headers=other_provider)).status_code == 404


async def test_bad_input_is_a_problem_naming_the_field(catalog: Catalog) -> None:
    headers = catalog.admin()
    bad_rating = await catalog.client.post(
        "/api/v1/titles", json={**MOVIE, "maturity_rating": "XXX"}, headers=headers
    )
    assert bad_rating.status_code == 422
    assert bad_rating.json()["errors"][0]["field"] == "maturity_rating"
    seasons_on_movie = await catalog.client.post(
        "/api/v1/titles", json={**MOVIE, "seasons": [{"number": 1}]}, headers=headers
    )
    assert seasons_on_movie.status_code == 422
    title = await catalog.create(MOVIE, headers)
    windows = [
        {"country": "US", "starts_at": "2030-01-01T00:00:00Z", "ends_at": "2029-01-01T00:00:00Z"},
    ]
    bad_window = await catalog.client.put(
        f"/api/v1/titles/{title['id']}/availability", json=windows, headers=headers
    )
    assert bad_window.status_code == 422 and bad_window.json()["field"] == "[0].ends_at"
    overlap = [
        {"country": "US", "starts_at": "2020-01-01T00:00:00Z"},
        {"country": "us", "starts_at": "2021-01-01T00:00:00Z", "ends_at": "2022-01-01T00:00:00Z"},
    ]
    overlapping = await catalog.client.put(
        f"/api/v1/titles/{title['id']}/availability", json=overlap, headers=headers
    )
    assert overlapping.status_code == 422 and "overlaps" in overlapping.json()["detail"]
    naive = [{"country": "US", "starts_at": "2020-01-01T00:00:00"}]
    assert (
        await catalog.client.put(f"/api/v1/titles/{title['id']}/availability", json=naive, headers=headers)
    ).status_code == 422
    not_country = [{"country": "USA", "starts_at": "2020-01-01T00:00:00Z"}]
    assert (
        await catalog.client.put(
            f"/api/v1/titles/{title['id']}/availability", json=not_country, headers=headers
        )
    ).status_code == 422
    missing = await catalog.client.post(f"/api/v1/titles/{new_id_str()}/publish", headers=headers)
    assert missing.status_code == 404


async def test_expiry_job_expires_titles_whose_last_window_closed(catalog: Catalog) -> None:
    closing = await catalog.publish_title(
        {"title": "Closing", "type": "movie", "maturity_rating": "G"},
        [
            {"country": "US", "starts_at": "2020-01-01T00:00:00Z", "ends_at": "2099-01-01T00:00:00Z"},
            {"country": "FR", "starts_at": "2020-01-01T00:00:00Z", "ends_at": "2098-01-01T00:00:00Z"},
        ],
    )
    open_ended = await catalog.publish_title({"title": "Forever", "type": "movie", "maturity_rating": "G"})
    before_close = dt.datetime(2098, 6, 1, tzinfo=dt.UTC)
    assert await expire_due_titles(catalog.database, now=before_close) == []
    after_close = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)
    assert await expire_due_titles(catalog.database, now=after_close) == [closing["id"]]
    # Idempotent: a second run (or a second process) finds nothing left to do.
    assert await expire_due_titles(catalog.database, now=after_close) == []
    detail = await catalog.client.get(f"/api/v1/titles/{closing['id']}", headers=catalog.admin())
    assert detail.json()["status"] == "expired"
    still = await catalog.client.get(f"/api/v1/titles/{open_ended['id']}", headers=catalog.admin())
    assert still.json()["status"] == "published"
    # created+updated, window, video, published+updated, then the expiry's unpublished+updated
    types = await event_types(catalog, closing["id"], expected=9)
    assert types[-2:] == ["catalog.title.unpublished.v1", "catalog.title.updated.v1"]


async def test_racing_edits_one_wins_the_others_get_409(catalog: Catalog) -> None:
    title = await catalog.create(MOVIE)
    headers = catalog.admin()
    responses = await asyncio.gather(
        *(
            catalog.client.patch(
                f"/api/v1/titles/{title['id']}", json={"title": f"Edit {n}"}, headers=headers
            )
            for n in range(6)
        )
    )
    statuses = sorted(response.status_code for response in responses)
    assert 200 in statuses and set(statuses) <= {200, 409}, statuses
    for response in responses:
        if response.status_code == 409:
            assert response.json()["type"].endswith("/concurrent-modification")
    winners = {response.json()["title"] for response in responses if response.status_code == 200}
    final = (await catalog.client.get(f"/api/v1/titles/{title['id']}", headers=headers)).json()
    assert final["title"] in winners and final["version"] == 1 + len(winners)
