"""Worldwide availability (a window with country "*", less its excepted countries) in every place
the catalog decides who may watch, and the publish no one could watch refused."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from cinemesh.contracts.catalog import TitlePublishedV1
from cinemesh.platform.events.envelope import Envelope
from cinemesh.platform.events.outbox import outbox_table
from tests.integration.catalog.conftest import Catalog

WORLDWIDE_BUT_FR_DE = [
    {"country": "*", "starts_at": "2020-01-01T00:00:00Z", "except_countries": ["fr", "DE"]}
]
MOVIE = {"title": "Everywhere", "type": "movie", "maturity_rating": "G", "genres": ["drama"]}


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def published_windows(catalog: Catalog, title_id: str) -> list[list[dict[str, Any]]]:
    async with catalog.database.session() as session:
        payloads = (
            await session.scalars(sa.select(outbox_table.c.payload).order_by(outbox_table.c.seq))
        ).all()
    envelopes = [Envelope.from_bytes(payload) for payload in payloads]
    return [
        e.data["windows"]
        for e in envelopes
        if e.subject == title_id and e.type == TitlePublishedV1.event_type
    ]


async def test_a_worldwide_title_is_seen_everywhere_but_where_it_is_excepted(catalog: Catalog) -> None:
    title = await catalog.publish_title(MOVIE, WORLDWIDE_BUT_FR_DE)
    url = f"/api/v1/titles/{title['id']}"
    editor_view = (await catalog.client.get(url, headers=catalog.admin())).json()
    assert editor_view["availability"] == [
        {
            "country": "*",
            "starts_at": "2020-01-01T00:00:00+00:00",
            "ends_at": None,
            "except_countries": ["DE", "FR"],
        }
    ]
    for country in ("US", "BR", "JP"):
        viewer = catalog.auth(country=country)
        assert ids(await catalog.client.get("/api/v1/titles", headers=viewer)) == [title["id"]], country
        assert (await catalog.client.get(url, headers=viewer)).status_code == 200
        search = await catalog.client.get("/api/v1/titles", params={"q": "everywhere"}, headers=viewer)
        assert ids(search) == [title["id"]]
        genres = (await catalog.client.get("/api/v1/genres", headers=viewer)).json()
        assert {"genre": "drama", "titles": 1} in genres
    for country in ("FR", "DE"):
        viewer = catalog.auth(country=country)
        assert ids(await catalog.client.get("/api/v1/titles", headers=viewer)) == [], country
        assert (await catalog.client.get(url, headers=viewer)).status_code == 404
        search = await catalog.client.get("/api/v1/titles", params={"q": "everywhere"}, headers=viewer)
        assert ids(search) == []
        assert (await catalog.client.get("/api/v1/genres", headers=viewer)).json() == []

    # Delivery is told the same window, exceptions included.
    [windows] = await published_windows(catalog, title["id"])
    assert [(w["country"], w["except_countries"]) for w in windows] == [("*", ["DE", "FR"])]


async def test_a_worldwide_series_shows_its_episodes_by_the_same_rule(catalog: Catalog) -> None:
    series = {
        "title": "Worldwide series",
        "type": "tv_series",
        "maturity_rating": "G",
        "seasons": [{"number": 1, "episodes": [{"number": 1, "name": "One"}, {"number": 2, "name": "Two"}]}],
    }
    title = await catalog.publish_title(series, [{"country": "*", "starts_at": "2020-01-01T00:00:00Z"}])
    [season] = title["seasons"]
    second = season["episodes"][1]["id"]
    headers = catalog.admin()
    # The second episode: everywhere but Japan.
    response = await catalog.client.put(
        f"/api/v1/titles/{title['id']}/episodes/{second}/availability",
        json=[{"country": "*", "starts_at": "2020-01-01T00:00:00Z", "except_countries": ["JP"]}],
        headers=headers,
    )
    assert response.status_code == 200, response.text
    await catalog.settled()

    def episodes(response: Any) -> list[str]:
        assert response.status_code == 200, response.text
        return [e["name"] for s in response.json()["seasons"] for e in s["episodes"]]

    url = f"/api/v1/titles/{title['id']}"
    assert episodes(await catalog.client.get(url, headers=catalog.auth(country="US"))) == ["One", "Two"]
    assert episodes(await catalog.client.get(url, headers=catalog.auth(country="JP"))) == ["One"]


async def test_a_publish_no_one_could_watch_is_refused_naming_the_field(catalog: Catalog) -> None:
    headers = catalog.admin()
    title = await catalog.create(MOVIE, headers)
    url = f"/api/v1/titles/{title['id']}"
    assert (
        await catalog.client.put(f"{url}/video", json={"video_id": "v-1"}, headers=headers)
    ).status_code == 200

    for windows in (
        [],
        [{"country": "US", "starts_at": "2000-01-01T00:00:00Z", "ends_at": "2001-01-01T00:00:00Z"}],
    ):
        put = await catalog.client.put(f"{url}/availability", json=windows, headers=headers)
        assert put.status_code == 200, put.text
        refused = await catalog.client.post(f"{url}/publish", headers=headers)
        assert refused.status_code == 409, refused.text
        problem = refused.json()
        assert refused.headers["content-type"] == "application/problem+json"
        assert problem["type"].endswith("/no-availability")
        assert "availability" in str(problem)  # the field to fix
        status = (await catalog.client.get(url, headers=headers)).json()["status"]
        assert status == "ready"

    # A release scheduled for later is a real audience: publishing is allowed.
    later = [{"country": "*", "starts_at": "2099-01-01T00:00:00Z"}]
    assert (await catalog.client.put(f"{url}/availability", json=later, headers=headers)).status_code == 200
    assert (await catalog.client.post(f"{url}/publish", headers=headers)).json()["status"] == "published"


async def test_bad_worldwide_windows_are_422_naming_the_field(catalog: Catalog) -> None:
    headers = catalog.admin()
    title = await catalog.create(MOVIE, headers)
    url = f"/api/v1/titles/{title['id']}/availability"
    for windows in (
        [{"country": "US", "starts_at": "2020-01-01T00:00:00Z", "except_countries": ["FR"]}],
        [{"country": "*", "starts_at": "2020-01-01T00:00:00Z", "except_countries": ["France"]}],
        [{"country": "**", "starts_at": "2020-01-01T00:00:00Z"}],
    ):
        response = await catalog.client.put(url, json=windows, headers=headers)
        assert response.status_code == 422, windows
        assert response.headers["content-type"] == "application/problem+json"
        fields = str(response.json())
        assert "except_countries" in fields or "country" in fields, fields
