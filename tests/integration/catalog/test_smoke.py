from __future__ import annotations

from tests.integration.catalog.conftest import Catalog


async def test_publish_and_browse(catalog: Catalog) -> None:
    doc = await catalog.publish_title(
        {"title": "Alpha", "type": "movie", "maturity_rating": "PG", "genres": ["drama"]}
    )
    response = await catalog.client.get("/api/v1/titles", headers=catalog.auth())
    assert response.status_code == 200, response.text
    assert [item["id"] for item in response.json()["items"]] == [doc["id"]]
