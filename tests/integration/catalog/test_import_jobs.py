"""Large imports are jobs: 202 with a status URL, progress, the report at the end, and only the
importing provider (or an admin) may read a job."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from typing import Any

import sqlalchemy as sa

from cinemesh.catalog.write.store.import_jobs import ImportJobRow
from cinemesh.platform.ids import new_id_str
from tests.integration.catalog.conftest import Catalog

NDJSON = {"Content-Type": "application/x-ndjson"}


def movie(index: int, prefix: str) -> bytes:
    return json.dumps(
        {
            "external_id": f"{prefix}-{index}",
            "title": f"Movie {index}",
            "type": "movie",
            "genres": ["Drama"],
            "availability": [{"country": "US", "starts_at": "2020-01-01T00:00:00Z"}],
        }
    ).encode()


async def follow(catalog: Catalog, url: str, headers: dict[str, str]) -> tuple[dict[str, Any], list[float]]:
    """Polls a job until it has finished; returns its last status and the progress seen."""
    seen: list[float] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        response = await catalog.client.get(url, headers=headers)
        assert response.status_code == 200, response.text
        job: dict[str, Any] = response.json()
        seen.append(job["progress"])
        if job["status"] != "running":
            return job, seen
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {url} still running")


async def test_a_large_import_answers_202_and_its_job_reports_progress_then_the_report(
    catalog: Catalog,
) -> None:
    provider = catalog.auth(user_id=new_id_str(), roles=("content_provider",))
    rows = [movie(index, "big") for index in range(1_200)]
    rows[10] = b"{not json"
    rows[500] = json.dumps(
        {"external_id": "big-bad", "title": "Bad", "type": "movie", "release_year": 1}
    ).encode()
    rows[900] = movie(3, "big")  # repeats line 4
    response = await catalog.client.post(
        "/api/v1/titles/import", content=b"\n".join(rows), headers={**provider, **NDJSON}
    )
    assert response.status_code == 202, response.text
    location = response.headers["location"]
    accepted = response.json()
    assert location == accepted["url"] == f"/api/v1/titles/import/jobs/{accepted['id']}"
    assert accepted["status"] == "running" and accepted["total_lines"] == 1_200

    job, seen = await follow(catalog, location, provider)
    assert job["status"] == "succeeded", job
    assert seen == sorted(seen) and job["progress"] == 1.0 and job["processed_lines"] == 1_200
    assert (job["created"], job["updated"], job["unchanged"], job["failed"]) == (1_197, 0, 0, 3)
    report = job["report"]
    assert (report["created"], report["failed"]) == (1_197, 3)
    errors = {error["line"]: error for error in report["errors"]}
    assert sorted(errors) == [11, 501, 901]
    assert errors[501]["field"] == "release_year"
    assert errors[901]["reason"] == "external_id repeats line 4"
    assert job["finished_at"] is not None and job["error"] is None

    # The titles are there (the editor listing reads the write model).
    listing = await catalog.client.get(
        "/api/v1/admin/titles", params={"q": "big-119", "limit": 100}, headers=provider
    )
    expected = {"big-119", *(f"big-119{digit}" for digit in range(10))}
    assert {item["external_id"] for item in listing.json()["items"]} == expected


async def test_prefer_respond_async_makes_any_import_a_job_with_the_same_report(catalog: Catalog) -> None:
    provider = catalog.auth(user_id=new_id_str(), roles=("content_provider",))
    body = b"\n".join(
        [movie(1, "small"), b"[1, 2]", movie(2, "small"), b"", b'{"title": "x", "type": "movie"}']
    )
    synchronous = await catalog.client.post(
        "/api/v1/titles/import", content=body, headers={**provider, **NDJSON}
    )
    assert synchronous.status_code == 200
    response = await catalog.client.post(
        "/api/v1/titles/import",
        content=body,
        headers={**provider, **NDJSON, "Prefer": "respond-async, wait=0"},
    )
    assert response.status_code == 202 and response.headers["preference-applied"] == "respond-async"
    job, _ = await follow(catalog, response.headers["location"], provider)
    # Errors per row exactly as the synchronous import reports them (the rows are now unchanged).
    assert job["report"]["errors"] == synchronous.json()["errors"]
    assert [(e["line"], e["field"]) for e in job["report"]["errors"]] == [(2, None), (5, "external_id")]
    assert (job["report"]["unchanged"], job["total_lines"]) == (2, 5)


async def test_only_the_importing_provider_or_an_admin_reads_an_import_job(catalog: Catalog) -> None:
    owner = catalog.auth(user_id=new_id_str(), roles=("content_provider",))
    response = await catalog.client.post(
        "/api/v1/titles/import",
        content=movie(1, "owned"),
        headers={**owner, **NDJSON, "Prefer": "respond-async"},
    )
    url = response.headers["location"]
    await follow(catalog, url, owner)

    other_provider = catalog.auth(user_id=new_id_str(), roles=("content_provider",))
    hidden = await catalog.client.get(url, headers=other_provider)
    assert hidden.status_code == 404 and hidden.json()["type"].endswith("/import-job-not-found")
    assert (await catalog.client.get(url, headers=catalog.auth())).status_code == 403  # a viewer
    assert (await catalog.client.get(url)).status_code == 401
    assert (await catalog.client.get(url, headers=catalog.admin())).status_code == 200
    unknown = await catalog.client.get(f"/api/v1/titles/import/jobs/{new_id_str()}", headers=owner)
    assert unknown.status_code == 404
    malformed = await catalog.client.get("/api/v1/titles/import/jobs/not-a-job", headers=owner)
    assert malformed.status_code == 422
    assert [error["field"] for error in malformed.json()["errors"]] == ["job_id"]


async def test_a_job_whose_process_stopped_reads_as_failed(catalog: Catalog) -> None:
    provider = catalog.auth(user_id=new_id_str(), roles=("content_provider",))
    response = await catalog.client.post(
        "/api/v1/titles/import",
        content=movie(1, "stalled"),
        headers={**provider, **NDJSON, "Prefer": "respond-async"},
    )
    url = response.headers["location"]
    await follow(catalog, url, provider)
    # As if the process died mid-import: still "running", not touched for three minutes.
    async with catalog.database.transaction() as session:
        await session.execute(
            sa.update(ImportJobRow).values(
                status="running", updated_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=3)
            )
        )
    job = (await catalog.client.get(url, headers=provider)).json()
    assert job["status"] == "failed" and "import the file again" in job["error"]
