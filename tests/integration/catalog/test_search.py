"""Full-text search (`GET /api/v1/titles?q=`) on SQLite FTS5 and PostgreSQL tsvector: what it
finds, in which order, and that it never shows a viewer more than browse would."""

from __future__ import annotations

from typing import Any

from cinemesh.platform.ids import new_id_str
from tests.integration.catalog.conftest import Catalog
from tests.integration.catalog.test_browse import ids, profile


async def search(catalog: Catalog, q: str, headers: dict[str, str] | None = None, **params: Any) -> list[str]:
    response = await catalog.client.get(
        "/api/v1/titles", params={"q": q, **params}, headers=headers or catalog.auth()
    )
    return ids(response)


async def test_search_matches_prefixes_in_every_field_and_ranks_title_hits_first(catalog: Catalog) -> None:
    bunny = await catalog.publish_title(
        {
            "title": "Big Buck Bunny",
            "type": "movie",
            "maturity_rating": "G",
            "genres": ["animation"],
            "description": "A giant rabbit takes revenge on three rodents.",
            "cast": [{"name": "Frank Rabbit", "character": "Buck"}],
            "crew": [{"name": "Sacha Goedegebure", "job": "director"}],
        }
    )
    carrots = await catalog.publish_title(
        {
            "title": "Carrot Days",
            "type": "documentary",
            "maturity_rating": "G",
            "genres": ["nature"],
            "description": "Where every bunny finds its lunch.",
        }
    )
    amelie = await catalog.publish_title(
        {"title": "Le Fabuleux Destin d'Amélie Poulain", "type": "movie", "maturity_rating": "PG"}
    )
    series = await catalog.publish_title(
        {
            "title": "Harbour Lights",
            "type": "tv_series",
            "maturity_rating": "TV-PG",
            "seasons": [{"number": 1, "episodes": [{"number": 1, "name": "The Lighthouse Keeper"}]}],
        }
    )

    # Search as you type: every word is a prefix, and every word must match.
    assert await search(catalog, "bunn") == [bunny["id"], carrots["id"]]  # title before description
    assert await search(catalog, "big bun") == [bunny["id"]]
    assert await search(catalog, "BIG   buck!") == [bunny["id"]]
    assert await search(catalog, "big carrot") == []
    # Crew, cast and character names, genres, descriptions, episode names.
    assert await search(catalog, "goedegebure") == [bunny["id"]]
    assert await search(catalog, "frank") == [bunny["id"]]
    assert await search(catalog, "nature") == [carrots["id"]]
    assert await search(catalog, "rodents") == [bunny["id"]]
    assert await search(catalog, "lighthouse keep") == [series["id"]]
    # Accents and case fold both ways.
    assert await search(catalog, "amelie") == [amelie["id"]]
    assert await search(catalog, "AMÉLIE poulain") == [amelie["id"]]
    assert await search(catalog, "zzyzx") == []
    # Search combines with browse's filters and sorts.
    assert await search(catalog, "bunny", type="documentary") == [carrots["id"]]
    assert await search(catalog, "bunny", genre="animation") == [bunny["id"]]
    assert await search(catalog, "bunny", sort="title") == [bunny["id"], carrots["id"]]
    assert await search(catalog, "rabbit", sort="newest") == [bunny["id"]]
    results = await catalog.client.get("/api/v1/titles", params={"q": "bunny"}, headers=catalog.auth())
    item = results.json()["items"][0]
    assert item["title"] == "Big Buck Bunny" and "document" not in item and "availability" not in item


async def test_search_shows_a_viewer_only_what_browse_would(catalog: Catalog) -> None:
    ratings = ("G", "PG", "R", "TV-MA", None)
    rated = {
        r: (await catalog.publish_title({"title": f"Quokka {r}", "type": "movie", "maturity_rating": r}))[
            "id"
        ]
        for r in ratings
    }
    await catalog.create({"title": "Quokka draft", "type": "movie", "maturity_rating": "G"})
    elsewhere = await catalog.publish_title(
        {"title": "Quokka abroad", "type": "movie", "maturity_rating": "G"},
        [{"country": "FR", "starts_at": "2020-01-01T00:00:00Z"}],
    )
    later = await catalog.publish_title(
        {"title": "Quokka later", "type": "movie", "maturity_rating": "G"},
        [{"country": "US", "starts_at": "2099-01-01T00:00:00Z"}],
    )
    await catalog.settled()
    user_id = new_id_str()
    headers = catalog.auth(user_id=user_id)
    kids = await profile(catalog, user_id, kids=True, limit="PG")
    grown_up = await profile(catalog, user_id, kids=False, limit=None)

    # Exactly the set browse shows each audience, for the same words.
    for audience, params in (
        ("kids", {"profile_id": kids}),
        ("adult", {"profile_id": grown_up}),
        ("account", {}),
    ):
        found = set(await search(catalog, "quokka", headers, **params))
        browsed = set(ids(await catalog.client.get("/api/v1/titles", params=params, headers=headers)))
        assert found == browsed, audience
    # A kids profile never finds R, TV-MA or unrated titles, even by their exact names.
    assert set(await search(catalog, "quokka", headers, profile_id=kids)) == {rated["G"], rated["PG"]}
    for hidden in ("R", "TV-MA", "None"):
        assert await search(catalog, f"quokka {hidden}", headers, profile_id=kids) == [], hidden
    assert set(await search(catalog, "quokka", headers, profile_id=grown_up)) == set(rated.values())
    # Drafts, other regions and windows not open yet are not found by anyone.
    assert await search(catalog, "quokka draft", headers) == []
    assert await search(catalog, "quokka later", headers) == []
    assert await search(catalog, "quokka abroad", headers) == []
    assert await search(catalog, "quokka abroad", catalog.auth(country="FR")) == [elsewhere["id"]]
    assert later["id"] not in await search(catalog, "quokka", catalog.admin())
    # Someone else's profile stays a 404 in search too.
    stranger = catalog.auth(user_id=new_id_str())
    response = await catalog.client.get(
        "/api/v1/titles", params={"q": "quokka", "profile_id": kids}, headers=stranger
    )
    assert response.status_code == 404


async def test_search_follows_edits_and_unpublishing(catalog: Catalog) -> None:
    headers = catalog.admin()
    title = await catalog.publish_title({"title": "Old Wombat", "type": "movie", "maturity_rating": "G"})
    assert await search(catalog, "wombat") == [title["id"]]
    renamed = await catalog.client.patch(
        f"/api/v1/titles/{title['id']}", json={"title": "New Numbat"}, headers=headers
    )
    assert renamed.status_code == 200
    await catalog.settled()
    assert await search(catalog, "wombat") == []
    assert await search(catalog, "numbat") == [title["id"]]
    await catalog.client.post(f"/api/v1/titles/{title['id']}/unpublish", headers=headers)
    await catalog.settled()
    assert await search(catalog, "numbat") == []


async def test_relevance_pages_by_cursor_and_bad_input_names_q(catalog: Catalog) -> None:
    # Different scores (a title hit, description hits of different lengths) and equal ones.
    await catalog.publish_title({"title": "Platypus", "type": "movie", "maturity_rating": "G"})
    for index in range(4):
        body = {
            "title": f"Film {index}",
            "type": "movie",
            "maturity_rating": "G",
            "description": "platypus " * (index % 2 + 1),
        }
        await catalog.publish_title(body)
    headers = catalog.auth()
    everything = await search(catalog, "platypus", headers, limit=100)
    assert len(everything) == 5
    pages = await catalog.every_page("/api/v1/titles", {"q": "platypus", "limit": 2}, headers)
    assert [item["id"] for item in pages] == everything

    first = (
        await catalog.client.get("/api/v1/titles", params={"q": "platypus", "limit": 2}, headers=headers)
    ).json()
    # A relevance cursor belongs to its query, and to no browse sort.
    for params in ({"q": "film"}, {"sort": "newest"}, {}):
        response = await catalog.client.get(
            "/api/v1/titles", params={**params, "cursor": first["next_cursor"]}, headers=headers
        )
        assert response.status_code == 400 and response.json()["field"] == "cursor", params

    for bad in ("", "   ", "!!! ???", "x" * 201, "a b c d e f g h i"):
        response = await catalog.client.get("/api/v1/titles", params={"q": bad}, headers=headers)
        assert response.status_code == 422, bad
        problem = response.json()
        fields = {problem.get("field")} | {error["field"] for error in problem.get("errors", [])}
        assert "q" in fields, (bad, problem)
    no_text = await catalog.client.get("/api/v1/titles", params={"sort": "relevance"}, headers=headers)
    assert no_text.status_code == 422 and no_text.json()["field"] == "sort"
