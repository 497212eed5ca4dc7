"""The editor listing (`GET /api/v1/admin/titles`): every status from the write model, a content
provider's own titles only, a status filter and a title search, keyset pages."""

from __future__ import annotations

from typing import Any

from cinemesh.platform.ids import new_id_str
from tests.integration.catalog.conftest import Catalog

URL = "/api/v1/admin/titles"


async def listing(catalog: Catalog, headers: dict[str, str], **params: Any) -> list[str]:
    response = await catalog.client.get(URL, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_editors_list_titles_in_every_status_and_providers_only_their_own(catalog: Catalog) -> None:
    admin = catalog.admin()
    alice_id, bob_id = new_id_str(), new_id_str()
    alice = catalog.auth(user_id=alice_id, roles=("content_provider",))
    bob = catalog.auth(user_id=bob_id, roles=("content_provider",))
    draft = await catalog.create({"title": "Alice Draft", "type": "movie"}, alice)
    archived = await catalog.create({"title": "Alice Archived", "type": "movie"}, alice)
    await catalog.client.post(f"/api/v1/titles/{archived['id']}/archive", headers=alice)
    bobs = await catalog.create({"title": "Bob Draft", "type": "special", "external_id": "bob-42"}, bob)
    published = await catalog.publish_title({"title": "Admin Published", "type": "movie"})

    # Read-your-writes: no waiting for the read model, the listing is the write model.
    assert await listing(catalog, admin) == [published["id"], bobs["id"], archived["id"], draft["id"]]
    assert await listing(catalog, alice) == [archived["id"], draft["id"]]
    # No IDOR: a provider never lists another's titles, whatever it asks for.
    assert await listing(catalog, bob) == [bobs["id"]]
    assert await listing(catalog, bob, q="alice") == []
    assert await listing(catalog, bob, status="draft") == [bobs["id"]]

    assert await listing(catalog, admin, status="draft") == [bobs["id"], draft["id"]]
    assert await listing(catalog, admin, status="archived") == [archived["id"]]
    assert await listing(catalog, admin, status="published") == [published["id"]]
    assert await listing(catalog, admin, status="expired") == []
    assert await listing(catalog, admin, q="DRAFT") == [bobs["id"], draft["id"]]
    assert await listing(catalog, admin, q="bob-4") == [bobs["id"]]  # external ids too
    assert await listing(catalog, admin, q="50%_") == []  # LIKE wildcards are plain characters
    assert await listing(catalog, alice, q="draft", status="draft") == [draft["id"]]
    assert await listing(catalog, admin, sort="title") == [
        published["id"],
        archived["id"],
        draft["id"],
        bobs["id"],
    ]
    row = (await catalog.client.get(URL, params={"q": "bob"}, headers=admin)).json()["items"][0]
    assert row["status"] == "draft" and row["external_id"] == "bob-42" and row["created_by"] == bob_id

    viewer = await catalog.client.get(URL, headers=catalog.auth())
    assert viewer.status_code == 403 and viewer.headers["content-type"] == "application/problem+json"
    assert (await catalog.client.get(URL)).status_code == 401
    for params in ({"status": "lost"}, {"q": ""}, {"q": "  "}, {"q": "x" * 201}, {"sort": "relevance"}):
        response = await catalog.client.get(URL, params=params, headers=admin)
        assert response.status_code == 422, params
        problem = response.json()
        fields = {problem.get("field")} | {error["field"] for error in problem.get("errors", [])}
        assert next(iter(params)) in fields, (params, problem)


async def test_editor_listing_pages_by_cursor(catalog: Catalog) -> None:
    admin = catalog.admin()
    for name in ("delta", "Alpha", "charlie", "Bravo", "echo"):
        await catalog.create({"title": name, "type": "movie"}, admin)
    expected = {
        "newest": ["echo", "Bravo", "charlie", "Alpha", "delta"],  # ids are UUIDv7: creation order
        "title": ["Alpha", "Bravo", "charlie", "delta", "echo"],  # case-insensitive
    }
    for sort, titles in expected.items():
        pages = await catalog.every_page(URL, {"limit": 2, "sort": sort}, admin)
        assert [item["title"] for item in pages] == titles, sort

    first = (await catalog.client.get(URL, params={"limit": 2}, headers=admin)).json()
    # Editor and browse cursors are not interchangeable; a forged one is a 400 naming cursor.
    browse = await catalog.client.get(
        "/api/v1/titles", params={"cursor": first["next_cursor"]}, headers=admin
    )
    assert browse.status_code == 400 and browse.json()["field"] == "cursor"
    other = await catalog.client.get(
        URL, params={"cursor": first["next_cursor"], "sort": "title"}, headers=admin
    )
    assert other.status_code == 400 and other.json()["field"] == "cursor"
    forged = await catalog.client.get(URL, params={"cursor": "AAAA"}, headers=admin)
    assert forged.status_code == 400 and forged.json()["field"] == "cursor"
