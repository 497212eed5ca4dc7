"""Trailers from the media pipeline (`kind: "trailer"`): listed in the title's `trailers`, never its
video, and published to delivery as playable contents of their own with the title's rating and
windows, for as long as the title is published."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa

from cinemesh.contracts.media import UploadCompletedV1, VideoFailedV1, VideoTranscodedV1
from cinemesh.platform.events.envelope import Envelope
from cinemesh.platform.events.outbox import outbox_table
from cinemesh.platform.ids import new_id_str
from tests.integration.catalog.conftest import Catalog

NOW = dt.datetime.now(dt.UTC)
US = [{"country": "US", "starts_at": "2020-01-01T00:00:00Z"}]
DELIVERY_TYPES = (
    "catalog.title.published.v1",
    "catalog.title.unpublished.v1",
    "catalog.availability.changed.v1",
)


def transcoded(
    video_id: str, title_id: str, *, complete: bool = False, kind: str = "trailer"
) -> VideoTranscodedV1:
    return VideoTranscodedV1(
        video_id=video_id,
        title_id=title_id,
        duration_seconds=30.0,
        storage_prefix=f"videos/{video_id}/",
        hls_master_key=f"videos/{video_id}/master.m3u8",
        dash_manifest_key=None,
        renditions=[],
        complete=complete,
        transcoded_at=NOW,
        kind=kind,
    )


async def deliver(catalog: Catalog, *events: Any) -> None:
    for event in events:
        await catalog.consumed("catalog.media", await catalog.publish(event))


async def editor_view(catalog: Catalog, title_id: str) -> dict[str, Any]:
    response = await catalog.client.get(f"/api/v1/titles/{title_id}", headers=catalog.admin())
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


class Outbox:
    """The delivery-facing events the catalog recorded for a title, oldest first; `new()` returns
    those since the last call."""

    def __init__(self, catalog: Catalog, title_id: str) -> None:
        self.catalog, self.title_id, self.seen = catalog, title_id, 0

    async def new(self) -> list[tuple[str, dict[str, Any]]]:
        async with self.catalog.database.session() as session:
            payloads = (
                await session.execute(sa.select(outbox_table.c.payload).order_by(outbox_table.c.seq))
            ).all()
        envelopes = [Envelope.from_bytes(row[0]) for row in payloads]
        mine = [
            (e.type, e.data) for e in envelopes if e.subject == self.title_id and e.type in DELIVERY_TYPES
        ]
        fresh, self.seen = mine[self.seen :], len(mine)
        return fresh


def summary(events: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, str, str | None]]:
    """(event type without the prefix, content id, content type or reason)."""
    return [
        (kind.split(".")[-2], data["content_id"], data.get("content_type") or data.get("reason"))
        for kind, data in events
    ]


async def test_a_trailer_is_listed_never_attached_and_moves_no_lifecycle(catalog: Catalog) -> None:
    title = await catalog.create({"title": "Trailer first", "type": "movie"})
    feature = await catalog.create({"title": "Feature in flight", "type": "movie"})
    trailer, other = new_id_str(), new_id_str()
    completed = UploadCompletedV1(
        video_id=trailer,
        title_id=title["id"],
        uploaded_by="u",
        filename="t.mp4",
        size_bytes=1,
        completed_at=NOW,
        kind="trailer",
    )
    await deliver(catalog, completed)
    assert (await editor_view(catalog, title["id"]))["status"] == "draft"  # not "processing"

    await deliver(catalog, transcoded(trailer, title["id"]))
    listed = await editor_view(catalog, title["id"])
    assert listed["trailers"] == [trailer]
    assert listed["video_id"] is None and listed["status"] == "draft"
    # The full ladder and a redelivered first rung list nothing twice, and write nothing.
    await deliver(catalog, transcoded(trailer, title["id"], complete=True), transcoded(trailer, title["id"]))
    again = await editor_view(catalog, title["id"])
    assert again["trailers"] == [trailer] and again["version"] == listed["version"]
    await deliver(catalog, transcoded(other, title["id"], complete=True))  # listed in arrival order
    assert (await editor_view(catalog, title["id"]))["trailers"] == [trailer, other]

    # A feature upload in flight keeps its title processing when a trailer of it fails.
    feature_upload = completed.model_copy(
        update={"video_id": new_id_str(), "title_id": feature["id"], "kind": "feature"}
    )
    await deliver(catalog, feature_upload)
    assert (await editor_view(catalog, feature["id"]))["status"] == "processing"
    failed = VideoFailedV1(
        video_id=new_id_str(),
        title_id=feature["id"],
        reason="corrupt",
        permanent=True,
        failed_at=NOW,
        kind="trailer",
    )
    await deliver(catalog, failed)
    assert (await editor_view(catalog, feature["id"]))["status"] == "processing"
    # A kind this catalog does not know is neither attached nor listed.
    await deliver(catalog, transcoded(new_id_str(), feature["id"], kind="clip"))
    unknown = await editor_view(catalog, feature["id"])
    assert unknown["video_id"] is None and unknown["trailers"] == [] and unknown["status"] == "processing"

    await catalog.settled()  # viewers see the list too, once published (the read model has it)
    stored = await catalog.client.get(f"/api/v1/titles/{title['id']}", headers=catalog.admin())
    assert stored.json()["trailers"] == [trailer, other]


async def test_at_most_ten_trailers_are_listed(catalog: Catalog) -> None:
    title = await catalog.create({"title": "Many trailers", "type": "movie"})
    videos = [new_id_str() for _ in range(11)]
    await deliver(catalog, *(transcoded(v, title["id"]) for v in videos))
    assert (await editor_view(catalog, title["id"]))["trailers"] == videos[:10]


async def test_trailers_of_a_published_title_are_published_with_its_rating_and_windows(
    catalog: Catalog,
) -> None:
    headers = catalog.admin()
    body = {"title": "Night Harbour", "type": "movie", "maturity_rating": "R"}
    title = await catalog.create(body, headers)
    title_id, early = title["id"], new_id_str()
    await deliver(catalog, transcoded(early, title_id))  # before publishing: told at publishing
    outbox = Outbox(catalog, title_id)
    assert await outbox.new() == []
    url = f"/api/v1/titles/{title_id}"
    assert (await catalog.client.put(f"{url}/availability", json=US, headers=headers)).status_code == 200
    feature = new_id_str()
    assert (
        await catalog.client.put(f"{url}/video", json={"video_id": feature}, headers=headers)
    ).status_code == 200
    await outbox.new()
    assert (await catalog.client.post(f"{url}/publish", headers=headers)).status_code == 200
    published = await outbox.new()
    assert summary(published) == [("published", title_id, "movie"), ("published", early, "trailer")]
    trailer_event = published[1][1]
    assert trailer_event["video_id"] == early and trailer_event["maturity_rating"] == "R"
    assert [w["country"] for w in trailer_event["windows"]] == ["US"]

    # One arriving while the title is live is published at once, alone.
    late = new_id_str()
    await deliver(catalog, transcoded(late, title_id))
    assert summary(await outbox.new()) == [("published", late, "trailer")]

    # The title's windows are its trailers' windows.
    windows = [*US, {"country": "GB", "starts_at": "2020-01-01T00:00:00Z"}]
    assert (await catalog.client.put(f"{url}/availability", json=windows, headers=headers)).status_code == 200
    changed = await outbox.new()
    assert [(kind.split(".")[-2], data["content_id"]) for kind, data in changed] == [
        ("changed", title_id),
        ("changed", early),
        ("changed", late),
    ]
    assert all(sorted(w["country"] for w in data["windows"]) == ["GB", "US"] for _, data in changed)

    # An editor drops one trailer: it is unpublished; a new rating reaches every content.
    patched = await catalog.client.patch(
        url, json={"trailers": [late], "maturity_rating": "PG-13"}, headers=headers
    )
    assert patched.status_code == 200, patched.text
    edited = await outbox.new()
    assert summary(edited) == [
        ("unpublished", early, "removed"),
        ("published", title_id, "movie"),
        ("published", late, "trailer"),
    ]
    assert {data["maturity_rating"] for kind, data in edited if kind == DELIVERY_TYPES[0]} == {"PG-13"}
    # A metadata edit that touches neither publishes nothing.
    assert (
        await catalog.client.patch(url, json={"description": "Quiet."}, headers=headers)
    ).status_code == 200
    assert await outbox.new() == []

    # Unpublished together with the title.
    assert (await catalog.client.post(f"{url}/unpublish", headers=headers)).status_code == 200
    assert summary(await outbox.new()) == [
        ("unpublished", title_id, "unpublished"),
        ("unpublished", late, "unpublished"),
    ]


async def test_an_import_keeps_uploaded_trailers_unless_it_names_them_and_rerates_them_all(
    catalog: Catalog,
) -> None:
    headers = catalog.admin()
    row = {
        "external_id": f"ext-{new_id_str()}",
        "title": "Imported",
        "type": "movie",
        "maturity_rating": "PG",
    }
    ndjson = {**headers, "Content-Type": "application/x-ndjson"}
    report = await catalog.client.post(
        "/api/v1/titles/import", content=json.dumps(row).encode(), headers=ndjson
    )
    assert report.json()["created"] == 1, report.text
    listing = await catalog.client.get(
        "/api/v1/admin/titles", params={"q": row["external_id"]}, headers=headers
    )
    title_id = listing.json()["items"][0]["id"]
    trailer = new_id_str()
    await deliver(catalog, transcoded(trailer, title_id))
    url = f"/api/v1/titles/{title_id}"
    assert (await catalog.client.put(f"{url}/availability", json=US, headers=headers)).status_code == 200
    video = {"video_id": new_id_str()}
    assert (await catalog.client.put(f"{url}/video", json=video, headers=headers)).status_code == 200
    assert (await catalog.client.post(f"{url}/publish", headers=headers)).status_code == 200
    outbox = Outbox(catalog, title_id)
    await outbox.new()

    rerated = json.dumps({**row, "maturity_rating": "R"}).encode()
    report = await catalog.client.post("/api/v1/titles/import", content=rerated, headers=ndjson)
    assert report.json()["updated"] == 1, report.text
    events = await outbox.new()
    assert summary(events) == [("published", title_id, "movie"), ("published", trailer, "trailer")]
    assert {data["maturity_rating"] for _, data in events} == {"R"}
    # The row had no `trailers`: the uploaded one stays listed (a provider's feed knows nothing of it).
    assert (await editor_view(catalog, title_id))["trailers"] == [trailer]
    # A row that names them sets them: an empty list takes the trailer off the live title.
    emptied = json.dumps({**row, "maturity_rating": "R", "trailers": []}).encode()
    report = await catalog.client.post("/api/v1/titles/import", content=emptied, headers=ndjson)
    assert report.json()["updated"] == 1, report.text
    assert summary(await outbox.new()) == [("unpublished", trailer, "removed")]
    assert (await editor_view(catalog, title_id))["trailers"] == []
