"""The platform refuses U+0000 and lone surrogates wherever a request carries text, naming the field."""

from __future__ import annotations

import json

import httpx
from fastapi import APIRouter
from pydantic import BaseModel

from cinemesh.platform.http import create_service_app


class Note(BaseModel):
    title: str
    tags: dict[str, list[str]] = {}


def _client() -> tuple[httpx.AsyncClient, list[Note]]:
    router = APIRouter()
    stored: list[Note] = []

    @router.post("/notes")
    async def add(note: Note) -> dict[str, str]:
        stored.append(note)
        return {"title": note.title}

    @router.get("/notes/{name}")
    async def one(name: str, q: str = "") -> dict[str, str]:
        return {"name": name, "q": q}

    app = create_service_app(name="notes", routers=[router])
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://notes"), stored


async def _post(client: httpx.AsyncClient, raw: str) -> httpx.Response:
    return await client.post("/notes", content=raw, headers={"content-type": "application/json"})


async def test_nul_and_lone_surrogates_in_json_are_422_naming_the_field() -> None:
    client, stored = _client()
    async with client:
        cases = {
            '{"title": "a\\u0000b"}': "title",
            '{"title": "ok", "tags": {"x": ["fine", "b\\udc00"]}}': "tags.x[1]",
            '{"title": "ok", "tags": {"k\\u0000": []}}': "tags",
        }
        for raw, field in cases.items():
            response = await _post(client, raw)
            assert response.status_code == 422, response.text
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["errors"][0]["field"].startswith(field)
        assert stored == []


async def test_paired_surrogates_escaped_backslashes_and_malformed_json_pass_through() -> None:
    client, stored = _client()
    async with client:
        emoji = await _post(client, '{"title": "\\ud83c\\udfac film"}')
        assert emoji.json() == {"title": "🎬 film"}
        literal = await _post(client, '{"title": "\\\\u0000 is how JSON writes NUL"}')
        assert literal.json() == {"title": "\\u0000 is how JSON writes NUL"}
        malformed = await _post(client, '{"title": "\\u0000')
        assert malformed.status_code == 400
        assert len(stored) == 2


async def test_query_path_and_form_text_is_checked() -> None:
    client, _ = _client()
    async with client:
        query = await client.get("/notes/a", params={"q": "x\u0000"})
        assert query.status_code == 422
        assert query.json()["errors"][0] == {
            "field": "q",
            "in": "query",
            "message": "must not contain U+0000 or an unpaired surrogate (no database can store them)",
            "type": "string_unstorable",
        }
        path = await client.get("/notes/a%00b")
        assert path.status_code == 422
        assert path.json()["errors"][0]["field"] == "path"
        form = await client.post(
            "/notes", content="title=a%00b", headers={"content-type": "application/x-www-form-urlencoded"}
        )
        assert form.status_code == 422
        assert form.json()["errors"][0]["field"] == "title"
        fine = await client.get("/notes/日本", params={"q": json.dumps("ok")})
        assert fine.status_code == 200
