"""Browse's A-Z index: `from_title` starts the title-sorted list at a letter, and the cursor goes
on from there (the web app's Browse page letter bar)."""

from __future__ import annotations

import uuid
from typing import Any

from tests.integration.catalog.conftest import Catalog


def titles(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()["items"]]


async def test_from_title_starts_the_a_to_z_list_at_a_letter(catalog: Catalog) -> None:
    genre = f"g{uuid.uuid4().hex[:6]}"
    for name in ("apple", "Banana", "berry", "Cherry", "date"):
        await catalog.publish_title(
            {"title": name, "type": "movie", "maturity_rating": "G", "genres": [genre]}
        )
    viewer = catalog.auth(country="US")
    params = {"genre": genre, "sort": "title"}
    url = "/api/v1/titles"
    assert titles(await catalog.client.get(url, params={**params, "from_title": "b"}, headers=viewer)) == [
        "Banana",
        "berry",
        "Cherry",
        "date",
    ]
    assert titles(await catalog.client.get(url, params={**params, "from_title": "C"}, headers=viewer)) == [
        "Cherry",
        "date",
    ]
    first = await catalog.client.get(url, params={**params, "from_title": "b", "limit": 2}, headers=viewer)
    assert titles(first) == ["Banana", "berry"]
    rest = await catalog.client.get(
        url, params={**params, "limit": 2, "cursor": first.json()["next_cursor"]}, headers=viewer
    )
    assert titles(rest) == ["Cherry", "date"]
    assert titles(await catalog.client.get(url, params={**params, "from_title": "z"}, headers=viewer)) == []

    for bad in ({"from_title": "b"}, {**params, "from_title": "b", "cursor": first.json()["next_cursor"]}):
        refused = await catalog.client.get(url, params=bad, headers=viewer)
        assert refused.status_code == 422 and "from_title" in refused.text, bad
