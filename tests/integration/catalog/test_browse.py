"""Browse and detail as viewers see them: region, window, profile limit, filters, sorts, cursors."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from cinemesh.contracts.users import ProfileChangedV1, UserDeletedV1
from cinemesh.platform.ids import new_id_str
from tests.integration.catalog.conftest import EDGE_SECRET, Catalog

NOW = dt.datetime.now(dt.UTC)


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def profile(catalog: Catalog, user_id: str, *, kids: bool, limit: str | None) -> str:
    profile_id = new_id_str()
    event_id = await catalog.publish(
        ProfileChangedV1(
            user_id=user_id,
            profile_id=profile_id,
            change="created",
            name="Kid" if kids else "Grown-up",
            is_kids=kids,
            is_main=not kids,
            max_maturity_rating=limit,
            pin_required=False,
            changed_at=NOW,
        )
    )
    await catalog.consumed("catalog.profiles", event_id)
    return profile_id


async def test_region_and_window_decide_what_a_viewer_sees(catalog: Catalog) -> None:
    us_only = await catalog.publish_title({"title": "US only", "type": "movie", "maturity_rating": "G"})
    later = await catalog.publish_title(
        {"title": "Later", "type": "movie", "maturity_rating": "G"},
        [{"country": "US", "starts_at": "2099-01-01T00:00:00Z"}],
    )
    ended = await catalog.publish_title({"title": "Ended", "type": "movie", "maturity_rating": "G"})
    # Published while open (a publish no one could watch is refused), then its window closed.
    closed = [{"country": "US", "starts_at": "2000-01-01T00:00:00Z", "ends_at": "2001-01-01T00:00:00Z"}]
    response = await catalog.client.put(
        f"/api/v1/titles/{ended['id']}/availability", json=closed, headers=catalog.admin()
    )
    assert response.status_code == 200, response.text
    draft = await catalog.create({"title": "Draft", "type": "movie", "maturity_rating": "G"})
    await catalog.settled()

    american, french = catalog.auth(country="US"), catalog.auth(country="FR")
    assert ids(await catalog.client.get("/api/v1/titles", headers=american)) == [us_only["id"]]
    assert ids(await catalog.client.get("/api/v1/titles", headers=french)) == []
    for hidden in (later, ended, draft):
        response = await catalog.client.get(f"/api/v1/titles/{hidden['id']}", headers=american)
        assert response.status_code == 404, hidden["title"]
    assert (await catalog.client.get(f"/api/v1/titles/{us_only['id']}", headers=french)).status_code == 404
    detail = (await catalog.client.get(f"/api/v1/titles/{us_only['id']}", headers=american)).json()
    assert detail["title"] == "US only" and "availability" not in detail and "external_id" not in detail


async def test_the_edge_header_counts_only_from_the_trusted_edge(catalog: Catalog) -> None:
    french = await catalog.publish_title(
        {"title": "Amélie", "type": "movie", "maturity_rating": "PG"},
        [{"country": "FR", "starts_at": "2020-01-01T00:00:00Z"}],
    )
    american = catalog.auth(country="US")
    spoofed = await catalog.client.get("/api/v1/titles", headers={**american, "X-Viewer-Country": "FR"})
    assert ids(spoofed) == []  # a client cannot pick its region
    wrong_secret = {**american, "X-Viewer-Country": "FR", "X-Edge-Secret": "guess"}
    assert ids(await catalog.client.get("/api/v1/titles", headers=wrong_secret)) == []
    from_edge = {**american, "X-Viewer-Country": "fr", "X-Edge-Secret": EDGE_SECRET}
    assert ids(await catalog.client.get("/api/v1/titles", headers=from_edge)) == [french["id"]]
    # Anonymous: no account country, so only the edge can say where the viewer is.
    assert ids(await catalog.client.get("/api/v1/titles")) == []
    anonymous_edge = {"X-Viewer-Country": "FR", "X-Edge-Secret": EDGE_SECRET}
    assert ids(await catalog.client.get("/api/v1/titles", headers=anonymous_edge)) == [french["id"]]
    bad = await catalog.client.get("/api/v1/titles", headers={**anonymous_edge, "X-Viewer-Country": "France"})
    assert bad.status_code == 400 and bad.json()["field"] == "X-Viewer-Country"


async def test_a_kids_profile_never_sees_adult_or_unrated_titles(catalog: Catalog) -> None:
    titles = {}
    for rating in ("G", "PG", "PG-13", "R", "TV-MA", "TV-Y", None):
        body = {"title": f"Rated {rating}", "type": "movie", "maturity_rating": rating}
        titles[rating] = (await catalog.publish_title(body))["id"]
    user_id = new_id_str()
    headers = catalog.auth(user_id=user_id)
    kids = await profile(catalog, user_id, kids=True, limit="PG")
    kids_no_limit = await profile(catalog, user_id, kids=True, limit=None)
    grown_up = await profile(catalog, user_id, kids=False, limit=None)

    seen = set(ids(await catalog.client.get("/api/v1/titles", params={"profile_id": kids}, headers=headers)))
    assert seen == {titles["G"], titles["PG"], titles["TV-Y"]}
    # The header works too, and a kids profile without an explicit limit gets the kids default.
    seen = set(
        ids(await catalog.client.get("/api/v1/titles", headers={**headers, "X-Profile-Id": kids_no_limit}))
    )
    assert seen == {titles["G"], titles["PG"], titles["TV-Y"]}
    seen = set(
        ids(await catalog.client.get("/api/v1/titles", params={"profile_id": grown_up}, headers=headers))
    )
    assert seen == set(titles.values())
    r_detail = await catalog.client.get(
        f"/api/v1/titles/{titles['R']}", params={"profile_id": kids}, headers=headers
    )
    assert r_detail.status_code == 404

    # Someone else's profile is no profile (no IDOR); anonymous callers cannot use one.
    stranger = catalog.auth(user_id=new_id_str())
    other = await catalog.client.get("/api/v1/titles", params={"profile_id": grown_up}, headers=stranger)
    assert other.status_code == 404 and other.json()["type"].endswith("/profile-not-found")
    assert (await catalog.client.get("/api/v1/titles", params={"profile_id": kids})).status_code == 401

    genres = await catalog.client.get("/api/v1/genres", params={"profile_id": kids}, headers=headers)
    assert genres.status_code == 200

    event_id = await catalog.publish(UserDeletedV1(user_id=user_id, deleted_at=NOW))
    await catalog.consumed("catalog.profiles", event_id)
    gone = await catalog.client.get("/api/v1/titles", params={"profile_id": kids}, headers=headers)
    assert gone.status_code == 404


async def test_filters_sorts_and_cursor_pages(catalog: Catalog) -> None:
    made = []
    for index, (genre, kind, year, lang) in enumerate(
        [
            ("drama", "movie", 2001, "en"),
            ("comedy", "movie", 2002, "fr"),
            ("drama", "documentary", 2003, "en"),
            ("drama", "movie", 2004, "de"),
            ("comedy", "special", 2005, "en"),
        ]
    ):
        body = {
            "title": f"Title {chr(ord('E') - index)}",
            "type": kind,
            "maturity_rating": "PG",
            "genres": [genre],
            "release_date": f"{year}-06-01",
            "audio_languages": [lang],
        }
        made.append((await catalog.publish_title(body))["id"])
    headers = catalog.auth()

    async def listing(**params: Any) -> list[str]:
        return ids(await catalog.client.get("/api/v1/titles", params=params, headers=headers))

    assert await listing() == list(reversed(made))  # newest release first
    assert await listing(sort="title") == list(reversed(made))  # E, D, C, B, A -> A first
    assert await listing(genre="drama") == [made[3], made[2], made[0]]
    assert await listing(genre="Drama") == [made[3], made[2], made[0]]  # genres are case-insensitive
    assert await listing(type="documentary") == [made[2]]
    assert await listing(year=2002) == [made[1]]
    assert await listing(language="en", sort="title") == [made[4], made[2], made[0]]
    assert await listing(genre="drama", type="movie", language="de") == [made[3]]

    for sort in ("newest", "title"):
        pages = await catalog.every_page("/api/v1/titles", {"limit": 2, "sort": sort}, headers)
        assert [item["id"] for item in pages] == await listing(sort=sort)

    first = (await catalog.client.get("/api/v1/titles", params={"limit": 2}, headers=headers)).json()
    cursor = first["next_cursor"]
    raw = bytearray(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw[-3] ^= 1
    tampered = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    for bad in (tampered, "not-a-cursor!", "AAAA"):
        response = await catalog.client.get("/api/v1/titles", params={"cursor": bad}, headers=headers)
        assert response.status_code == 400 and response.json()["field"] == "cursor", bad
    other_sort = await catalog.client.get(
        "/api/v1/titles", params={"cursor": cursor, "sort": "title"}, headers=headers
    )
    assert other_sort.status_code == 400
    for params in ({"limit": 0}, {"limit": 101}, {"sort": "random"}, {"type": "cartoon"}, {"year": 1}):
        response = await catalog.client.get("/api/v1/titles", params=params, headers=headers)
        assert response.status_code == 422, params

    genres = (await catalog.client.get("/api/v1/genres", headers=headers)).json()
    assert genres == [{"genre": "comedy", "titles": 2}, {"genre": "drama", "titles": 3}]


async def test_series_detail_shows_only_episodes_open_in_the_region(catalog: Catalog) -> None:
    headers = catalog.admin()
    body: dict[str, Any] = {
        "title": "The Series",
        "type": "tv_series",
        "maturity_rating": "TV-14",
        "seasons": [
            {
                "number": 1,
                "name": "One",
                "episodes": [{"number": 1, "name": "Pilot"}, {"number": 2, "name": "Two"}],
            },
            {"number": 2, "episodes": [{"number": 1, "name": "Return"}]},
        ],
    }
    series = await catalog.create(body, headers)
    url = f"/api/v1/titles/{series['id']}"
    pilot, second = series["seasons"][0]["episodes"]
    returning = series["seasons"][1]["episodes"][0]
    windows = [{"country": "US", "starts_at": "2020-01-01T00:00:00Z"}]
    assert (await catalog.client.put(f"{url}/availability", json=windows, headers=headers)).status_code == 200
    assert (
        await catalog.client.post(f"{url}/publish", headers=headers)
    ).status_code == 409  # no episode video
    whole = await catalog.client.put(f"{url}/video", json={"video_id": "v"}, headers=headers)
    assert whole.status_code == 422 and whole.json()["field"] == "episode_id"
    attached = await catalog.client.put(
        f"{url}/episodes/{pilot['id']}/video", json={"video_id": "v1"}, headers=headers
    )
    assert attached.json()["status"] == "ready"
    later = [{"country": "US", "starts_at": "2099-01-01T00:00:00Z"}]
    response = await catalog.client.put(
        f"{url}/episodes/{returning['id']}/availability", json=later, headers=headers
    )
    assert response.status_code == 200
    assert (await catalog.client.post(f"{url}/publish", headers=headers)).status_code == 200
    await catalog.settled()

    detail = (await catalog.client.get(url, headers=catalog.auth(country="US"))).json()
    assert [s["number"] for s in detail["seasons"]] == [1]  # season 2's only episode opens in 2099
    assert [e["id"] for e in detail["seasons"][0]["episodes"]] == [pilot["id"], second["id"]]

    # Editing the seasons keeps the ids of episodes that stay.
    body["seasons"][0]["episodes"].append({"number": 3, "name": "Three"})
    patched = await catalog.client.patch(url, json={"seasons": body["seasons"]}, headers=headers)
    episodes = patched.json()["seasons"][0]["episodes"]
    assert [e["id"] for e in episodes[:2]] == [pilot["id"], second["id"]] and episodes[0]["video_id"] == "v1"
