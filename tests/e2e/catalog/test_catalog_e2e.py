"""The catalog over real HTTP through the gateway, on both platform shapes (embedded and
distributed on PostgreSQL + Kafka): publish a title, browse it from the right region only, and
import a JSON Lines file with the CLI."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fixtures.platform import RunningPlatform

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("platform")]
DEADLINE = 30.0


@pytest.fixture
def client(platform: RunningPlatform) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=platform.base_url, timeout=20) as client:
        yield client


def token(client: httpx.Client, email: str, password: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def viewer(client: httpx.Client, country: str) -> dict[str, str]:
    suffix = uuid.uuid4().hex[:10]
    account = {
        "email": f"catalog-{suffix}@example.com",
        "username": f"catalog_{suffix}",
        "password": "correct horse battery",
        "country": country,
    }
    assert client.post("/api/v1/auth/register", json=account).status_code == 201
    return token(client, account["email"], account["password"])


def browse_until(client: httpx.Client, headers: dict[str, str], title_id: str) -> list[str]:
    """The read model is asynchronous: poll browse until the title shows, with a deadline."""
    deadline = time.monotonic() + DEADLINE
    while True:
        response = client.get("/api/v1/titles", params={"sort": "newest", "limit": 100}, headers=headers)
        assert response.status_code == 200, response.text
        found = [item["id"] for item in response.json()["items"]]
        if title_id in found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_a_published_title_is_browsable_only_in_its_region(
    client: httpx.Client, platform: RunningPlatform
) -> None:
    admin = token(client, platform.admin_email, platform.admin_password)
    name = f"Region test {uuid.uuid4().hex[:6]}"
    created = client.post(
        "/api/v1/titles",
        json={"title": name, "type": "movie", "maturity_rating": "PG", "genres": ["drama"]},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    title_id = created.json()["id"]
    # The editor listing (routed to the catalog by the gateway) shows the draft at once.
    drafts = client.get("/api/v1/admin/titles", params={"status": "draft", "q": name}, headers=admin)
    assert drafts.status_code == 200 and [t["id"] for t in drafts.json()["items"]] == [title_id]
    assert client.get("/api/v1/admin/titles").status_code == 401
    windows = [{"country": "DE", "starts_at": "2020-01-01T00:00:00Z", "ends_at": None}]
    assert (
        client.put(f"/api/v1/titles/{title_id}/availability", json=windows, headers=admin).status_code == 200
    )
    early = client.post(f"/api/v1/titles/{title_id}/publish", headers=admin)
    assert early.status_code == 409 and early.headers["content-type"] == "application/problem+json"
    assert (
        client.put(f"/api/v1/titles/{title_id}/video", json={"video_id": "e2e"}, headers=admin).status_code
        == 200
    )
    assert client.post(f"/api/v1/titles/{title_id}/publish", headers=admin).json()["status"] == "published"

    german, brazilian = viewer(client, "DE"), viewer(client, "BR")
    assert title_id in browse_until(client, german, title_id)
    detail = client.get(f"/api/v1/titles/{title_id}", headers=german)
    assert detail.status_code == 200 and detail.json()["title"] == name
    elsewhere = client.get("/api/v1/titles", params={"limit": 100}, headers=brazilian)
    assert title_id not in [item["id"] for item in elsewhere.json()["items"]]
    assert client.get(f"/api/v1/titles/{title_id}", headers=brazilian).status_code == 404
    spoofed = client.get(f"/api/v1/titles/{title_id}", headers={**brazilian, "X-Viewer-Country": "DE"})
    assert spoofed.status_code == 404
    # Full-text search, by a prefix of the name, under the same region rule as browse.
    prefix = name.lower()[: len("Region te")]
    searched = client.get("/api/v1/titles", params={"q": f"{prefix} {name[-6:]}"}, headers=german)
    assert [item["id"] for item in searched.json()["items"]] == [title_id]
    abroad = client.get("/api/v1/titles", params={"q": name}, headers=brazilian)
    assert abroad.status_code == 200 and abroad.json()["items"] == []
    assert client.get("/api/v1/admin/titles", headers=german).status_code == 403
    genres = client.get("/api/v1/genres", headers=german).json()
    assert any(genre["genre"] == "drama" and genre["titles"] >= 1 for genre in genres)


def test_cli_import_reaches_the_event_log(platform: RunningPlatform, tmp_path: Path) -> None:
    external_id = f"e2e-{uuid.uuid4().hex[:8]}"
    file = tmp_path / "titles.jsonl"
    file.write_text(
        json.dumps({"external_id": external_id, "title": "Imported", "type": "documentary"})
        + "\n"
        + "{broken\n"
    )
    imported = platform.cli("catalog", "import", str(file), timeout=120)
    assert imported.returncode == 1, imported.stderr + imported.stdout  # line 2 is broken
    report = json.loads(imported.stdout)
    assert report["created"] == 1 and report["errors"][0]["line"] == 2

    deadline = time.monotonic() + DEADLINE
    while True:
        tail = platform.cli("events", "tail", "catalog.title", "--from-beginning", timeout=60)
        if external_id in tail.stdout or time.monotonic() > deadline:
            break
    assert external_id in tail.stdout, tail.stderr
