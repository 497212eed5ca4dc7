"""Bulk import by external id, the media pipeline's events, and image uploads."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

from cinemesh.contracts.catalog import CATALOG_TOPIC
from cinemesh.contracts.media import UploadCompletedV1, VideoFailedV1, VideoTranscodedV1
from cinemesh.platform.ids import new_id_str
from cinemesh.platform.storage import build_object_store
from tests.integration.catalog.conftest import Catalog

NDJSON = {"Content-Type": "application/x-ndjson"}
NOW = dt.datetime.now(dt.UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def jsonl(*rows: object) -> bytes:
    return b"\n".join(row if isinstance(row, bytes) else json.dumps(row).encode() for row in rows)


async def test_import_keeps_good_rows_reports_bad_ones_and_is_idempotent(catalog: Catalog) -> None:
    provider = catalog.auth(user_id=new_id_str(), roles=("content_provider",))
    good = {
        "external_id": "ext-1",
        "title": "One",
        "type": "movie",
        "genres": ["Drama"],
        "maturity_rating": "R",
    }
    series = {
        "external_id": "ext-2",
        "title": "Two",
        "type": "tv_series",
        "seasons": [{"number": 1, "episodes": [{"number": 1, "name": "Pilot"}]}],
        "availability": [{"country": "GB", "starts_at": "2020-01-01T00:00:00Z"}],
    }
    body = jsonl(
        good,
        b"{not json",
        {"external_id": "ext-3", "title": "Bad rating", "type": "movie", "maturity_rating": "X"},
        series,
        b"",
        {"title": "No external id", "type": "movie"},
        {**good, "title": "Repeated"},
        [1, 2],
        {
            "external_id": "ext-4",
            "title": "Bad window",
            "type": "movie",
            "availability": [
                {"country": "US", "starts_at": "2021-01-01T00:00:00Z", "ends_at": "2020-01-01T00:00:00Z"}
            ],
        },
    )
    report = (
        await catalog.client.post("/api/v1/titles/import", content=body, headers={**provider, **NDJSON})
    ).json()
    assert (report["created"], report["updated"], report["unchanged"], report["failed"]) == (2, 0, 0, 6)
    errors = {error["line"]: error for error in report["errors"]}
    assert sorted(errors) == [2, 3, 6, 7, 8, 9]
    assert errors[3]["field"] == "maturity_rating"
    assert errors[6]["field"] == "external_id" and errors[7]["reason"] == "external_id repeats line 1"
    assert errors[9]["field"] == "availability[0].ends_at"

    again = (
        await catalog.client.post(
            "/api/v1/titles/import", content=jsonl(good, series), headers={**provider, **NDJSON}
        )
    ).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)

    changed = {**good, "title": "One (restored)"}
    third = (
        await catalog.client.post(
            "/api/v1/titles/import", content=jsonl(changed), headers={**provider, **NDJSON}
        )
    ).json()
    assert third["updated"] == 1
    await catalog.settled()

    # Another provider cannot take over the external id, nor learn that it exists (issue 20):
    # its rows name its own titles, so the same id creates a title of its own, as an unknown one
    # would, and the first provider's title is untouched. The type cannot change.
    other = catalog.auth(user_id=new_id_str(), roles=("content_provider",))
    unknown_to_it = (
        await catalog.client.post(
            "/api/v1/titles/import",
            content=jsonl({**changed, "external_id": "never-used-anywhere"}),
            headers={**other, **NDJSON},
        )
    ).json()
    same_id = (
        await catalog.client.post(
            "/api/v1/titles/import", content=jsonl(changed), headers={**other, **NDJSON}
        )
    ).json()
    assert same_id == unknown_to_it and (same_id["created"], same_id["failed"]) == (1, 0), same_id
    again_mine = (
        await catalog.client.post(
            "/api/v1/titles/import", content=jsonl(changed), headers={**provider, **NDJSON}
        )
    ).json()
    assert again_mine["unchanged"] == 1  # still the first provider's own title, as it left it
    retyped = (
        await catalog.client.post(
            "/api/v1/titles/import",
            content=jsonl({**changed, "type": "special"}),
            headers={**provider, **NDJSON},
        )
    ).json()
    assert retyped["errors"][0]["field"] == "type"
    refused = await catalog.client.post("/api/v1/titles/import", content=jsonl(good), headers=provider)
    assert refused.status_code == 415
    viewer = await catalog.client.post(
        "/api/v1/titles/import", content=jsonl(good), headers={**catalog.auth(), **NDJSON}
    )
    assert viewer.status_code == 403


async def test_media_events_move_a_title_to_ready_and_back_to_draft(catalog: Catalog) -> None:
    title = await catalog.create({"title": "Encoded", "type": "movie"})
    failing = await catalog.create({"title": "Broken upload", "type": "movie"})

    async def status(title_id: str) -> str:
        detail = await catalog.client.get(f"/api/v1/titles/{title_id}", headers=catalog.admin())
        value: str = detail.json()["status"]
        return value

    video_id = new_id_str()
    for event in (
        UploadCompletedV1(
            video_id=video_id,
            title_id=title["id"],
            uploaded_by="u",
            filename=None,
            size_bytes=1,
            completed_at=NOW,
        ),
        UploadCompletedV1(
            video_id="bad",
            title_id=failing["id"],
            uploaded_by="u",
            filename=None,
            size_bytes=1,
            completed_at=NOW,
        ),
    ):
        await catalog.consumed("catalog.media", await catalog.publish(event))
    assert await status(title["id"]) == "processing"

    transcoded = VideoTranscodedV1(
        video_id=video_id,
        title_id=title["id"],
        duration_seconds=60.0,
        storage_prefix="p",
        hls_master_key="p/m.m3u8",
        dash_manifest_key=None,
        renditions=[],
        complete=False,
        transcoded_at=NOW,
    )
    await catalog.consumed("catalog.media", await catalog.publish(transcoded))
    detail = (await catalog.client.get(f"/api/v1/titles/{title['id']}", headers=catalog.admin())).json()
    assert detail["status"] == "ready" and detail["video_id"] == video_id
    # The full ladder of the same video changes nothing (no new document version).
    full = transcoded.model_copy(update={"complete": True})
    await catalog.consumed("catalog.media", await catalog.publish(full))
    again = (await catalog.client.get(f"/api/v1/titles/{title['id']}", headers=catalog.admin())).json()
    assert again["version"] == detail["version"]

    failed = VideoFailedV1(
        video_id="bad", title_id=failing["id"], reason="corrupt", permanent=True, failed_at=NOW
    )
    await catalog.consumed("catalog.media", await catalog.publish(failed))
    assert await status(failing["id"]) == "draft"
    # An event for a title the catalog never had is dropped, not retried forever.
    unknown = failed.model_copy(update={"title_id": new_id_str()})
    await catalog.consumed("catalog.media", await catalog.publish(unknown))


async def test_images_are_checked_stored_and_served(catalog: Catalog) -> None:
    headers = catalog.admin()
    title = await catalog.publish_title({"title": "Poster child", "type": "movie", "maturity_rating": "G"})
    url = f"/api/v1/titles/{title['id']}/images/poster"
    stored = await catalog.client.put(url, content=PNG, headers={**headers, "Content-Type": "image/png"})
    assert stored.status_code == 200, stored.text
    assert stored.json()["images"]["poster"]["url"] == url
    key = f"catalog/titles/{title['id']}/images/poster"
    assert await build_object_store(catalog.settings).get_bytes(key) == PNG

    served = await catalog.client.get(url)
    assert (
        served.status_code == 200 and served.content == PNG and served.headers["content-type"] == "image/png"
    )
    cached = await catalog.client.get(url, headers={"If-None-Match": served.headers["etag"]})
    assert cached.status_code == 304

    lie = await catalog.client.put(
        url, content=b"GIF89a....", headers={**headers, "Content-Type": "image/png"}
    )
    assert lie.status_code == 422 and lie.json()["type"].endswith("/image-mismatch")
    gif = await catalog.client.put(
        url, content=b"GIF89a....", headers={**headers, "Content-Type": "image/gif"}
    )
    assert gif.status_code == 415
    too_big = await catalog.client.put(
        url, content=PNG + b"\x00" * (6 * 1024 * 1024), headers={**headers, "Content-Type": "image/png"}
    )
    assert too_big.status_code == 413
    wrong_kind = await catalog.client.put(
        f"/api/v1/titles/{title['id']}/images/banner",
        content=PNG,
        headers={**headers, "Content-Type": "image/png"},
    )
    assert wrong_kind.status_code == 422
    viewer = await catalog.client.put(
        url, content=PNG, headers={**catalog.auth(), "Content-Type": "image/png"}
    )
    assert viewer.status_code == 403
    # A draft's images are for its editors only.
    draft = await catalog.create({"title": "Secret", "type": "movie"}, headers)
    draft_url = f"/api/v1/titles/{draft['id']}/images/backdrop"
    await catalog.client.put(draft_url, content=PNG, headers={**headers, "Content-Type": "image/png"})
    assert (await catalog.client.get(draft_url)).status_code == 404
    assert (await catalog.client.get(draft_url, headers=headers)).status_code == 200
    await catalog.events(
        CATALOG_TOPIC, title["id"], until=lambda types: "catalog.title.published.v1" in types
    )


async def test_concurrent_imports_of_the_same_new_titles_both_succeed(catalog: Catalog) -> None:
    importer = catalog.app.state.context.importer
    principal = await catalog.app.state.token_verifier.verify(catalog.admin()["Authorization"].split()[1])
    rows = [jsonl({"external_id": f"race-{n}", "title": f"Race {n}", "type": "movie"}) for n in range(20)]
    first, second = await asyncio.gather(
        importer.run(rows, principal=principal), importer.run(rows, principal=principal)
    )
    assert first.errors == [] and second.errors == []
    assert first.created + second.created == 20
    assert first.unchanged + second.unchanged == 20  # the loser found them all, equal


async def test_creating_a_duplicate_external_id_is_a_409(catalog: Catalog) -> None:
    body = {"external_id": "dup-1", "title": "Dup", "type": "movie"}
    admin = catalog.admin()
    await catalog.create(body, admin)
    again = await catalog.client.post("/api/v1/titles", json=body, headers=admin)
    assert again.status_code == 409 and again.json()["field"] == "external_id"
    # External ids are per creator (issue 20): another provider's create neither collides nor
    # learns the id exists.
    provider = catalog.auth(roles=("content_provider",))
    assert (await catalog.client.post("/api/v1/titles", json=body, headers=provider)).status_code == 201
