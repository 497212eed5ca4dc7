"""The upload's title check against the real catalog, through its events, on both platform shapes."""

from __future__ import annotations

import base64
import time
import uuid

import httpx
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("platform")]


def create_upload(client: httpx.Client, title_id: str) -> httpx.Response:
    return client.post(
        "/api/v1/uploads",
        headers={
            "Tus-Resumable": "1.0.0",
            "Upload-Length": "100",
            "Upload-Metadata": "title_id " + base64.b64encode(title_id.encode()).decode(),
        },
    )


def test_an_unknown_title_is_a_404_naming_title_id(admin: httpx.Client) -> None:
    started = time.monotonic()
    refused = create_upload(admin, str(uuid.uuid4()))
    assert refused.status_code == 404, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    body = refused.json()
    assert body["type"].endswith("/title-not-found") and body["field"] == "title_id"
    assert time.monotonic() - started >= 2.5  # it waited (3 s by default) for the catalog's event


def test_a_title_archived_in_the_catalog_takes_no_upload(admin: httpx.Client) -> None:
    created = admin.post("/api/v1/titles", json={"title": f"Gone {uuid.uuid4().hex[:6]}", "type": "movie"})
    assert created.status_code == 201, created.text
    title_id = created.json()["id"]
    # Right after creating it in the catalog: media waits for the title's event.
    assert create_upload(admin, title_id).status_code == 201
    assert admin.post(f"/api/v1/titles/{title_id}/archive").status_code == 200
    deadline = time.monotonic() + 10
    while (response := create_upload(admin, title_id)).status_code == 201 and time.monotonic() < deadline:
        time.sleep(0.1)  # the archive snapshot reaches media asynchronously
    assert response.status_code == 409, response.text
    assert response.json()["type"].endswith("/title-archived")
