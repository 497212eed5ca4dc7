"""The tus 1.0 surface of /api/v1/uploads: core, creation, termination, checksum; who may use it."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fixtures._problems import assert_problem
from tests.integration.media.conftest import MediaHarness, metadata

OCTETS = {"Content-Type": "application/offset+octet-stream"}


async def test_options_advertises_version_extensions_and_limits(media_api_only: MediaHarness) -> None:
    response = await media_api_only.client.options("/api/v1/uploads")
    assert response.status_code == 204
    assert response.headers["tus-version"] == "1.0.0"
    extensions = set(response.headers["tus-extension"].split(","))
    assert extensions == {"creation", "expiration", "termination", "checksum"}
    assert int(response.headers["tus-max-size"]) > 0
    assert "sha1" in response.headers["tus-checksum-algorithm"]


async def test_create_head_patch_until_complete(media_api_only: MediaHarness) -> None:
    media = media_api_only
    headers = media.auth()
    created = await media.create(10, headers, filename="clip.mp4")
    assert created.status_code == 201
    location = created.headers["location"]
    assert location.startswith("/api/v1/uploads/")
    head = await media.client.head(location, headers=headers)
    assert head.status_code == 200
    assert head.headers["upload-offset"] == "0" and head.headers["upload-length"] == "10"
    assert head.headers["cache-control"] == "no-store"
    patched = await media.client.patch(
        location, content=b"01234", headers={**headers, **OCTETS, "Upload-Offset": "0"}
    )
    assert patched.status_code == 204 and patched.headers["upload-offset"] == "5"
    assert (await media.client.head(location, headers=headers)).headers["upload-offset"] == "5"


async def test_wrong_offset_is_409_and_nothing_is_written(media_api_only: MediaHarness) -> None:
    media = media_api_only
    headers = media.auth()
    location = (await media.create(10, headers)).headers["location"]
    response = await media.client.patch(
        location, content=b"abc", headers={**headers, **OCTETS, "Upload-Offset": "3"}
    )
    assert_problem(response, 409, "upload-offset-mismatch")
    assert (await media.client.head(location, headers=headers)).headers["upload-offset"] == "0"


async def test_checksum_mismatch_is_460_and_the_chunk_is_discarded(media_api_only: MediaHarness) -> None:
    media = media_api_only
    headers = media.auth()
    location = (await media.create(8, headers)).headers["location"]
    wrong = base64.b64encode(hashlib.sha1(b"other").digest()).decode()  # noqa: S324 - tus checksum algorithm
    response = await media.client.patch(
        location,
        content=b"abcd",
        headers={**headers, **OCTETS, "Upload-Offset": "0", "Upload-Checksum": f"sha1 {wrong}"},
    )
    assert_problem(response, 460, "checksum-mismatch")
    assert (await media.client.head(location, headers=headers)).headers["upload-offset"] == "0"
    right = base64.b64encode(hashlib.md5(b"abcd").digest()).decode()  # noqa: S324 - tus checksum algorithm
    ok = await media.client.patch(
        location,
        content=b"abcd",
        headers={**headers, **OCTETS, "Upload-Offset": "0", "Upload-Checksum": f"md5 {right}"},
    )
    assert ok.status_code == 204 and ok.headers["upload-offset"] == "4"


async def test_a_checksum_header_without_a_digest_is_a_bad_request(media_api_only: MediaHarness) -> None:
    # Issue 20 item 10: `sha1` with no digest was compared as an empty digest and answered 460.
    media = media_api_only
    headers = media.auth()
    location = (await media.create(8, headers)).headers["location"]
    short = base64.b64encode(b"too short").decode()
    for value in ("sha1", "sha1 ", "sha256 !!!", f"md5 {short}"):
        response = await media.client.patch(
            location,
            content=b"abcd",
            headers={**headers, **OCTETS, "Upload-Offset": "0", "Upload-Checksum": value},
        )
        body = assert_problem(response, 400, "tus-bad-header")
        assert body["field"] == "Upload-Checksum", value
    assert (await media.client.head(location, headers=headers)).headers["upload-offset"] == "0"


async def test_termination_deletes_the_upload(media_api_only: MediaHarness) -> None:
    media = media_api_only
    headers = media.auth()
    location = (await media.create(10, headers)).headers["location"]
    assert (await media.client.delete(location, headers=headers)).status_code == 204
    assert_problem(await media.client.head(location, headers=headers), 404)
    assert not list((media.data_dir / "media" / "uploads").glob("*.part"))


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({"Tus-Resumable": "0.2.2"}, 412, "tus-version-unsupported"),
        ({"Upload-Length": "-5"}, 400, "tus-bad-header"),
        ({"Upload-Length": "1099511627776000"}, 413, "upload-too-large"),
        ({"Upload-Length": "0"}, 400, "empty-upload"),
        ({"Upload-Metadata": "filename !!!notbase64"}, 400, "tus-bad-metadata"),
        ({"Upload-Metadata": metadata(filename="x.mp4")}, 400, "tus-missing-title"),
        ({"Upload-Defer-Length": "1"}, 400, "tus-defer-unsupported"),
    ],
)
async def test_bad_creation_requests_are_clear_4xx(
    media_api_only: MediaHarness, headers: dict[str, str], status: int, code: str
) -> None:
    base = {**media_api_only.auth(), "Upload-Length": "100", "Upload-Metadata": metadata(title_id="t-1")}
    response = await media_api_only.client.post("/api/v1/uploads", headers={**base, **headers})
    assert_problem(response, status, code)


async def test_patch_needs_the_offset_content_type_and_fits_the_length(media_api_only: MediaHarness) -> None:
    media = media_api_only
    headers = media.auth()
    location = (await media.create(4, headers)).headers["location"]
    wrong_type = await media.client.patch(
        location, content=b"ab", headers={**headers, "Content-Type": "application/json", "Upload-Offset": "0"}
    )
    assert_problem(wrong_type, 415, "tus-content-type")
    too_long = await media.client.patch(
        location, content=b"abcdef", headers={**headers, **OCTETS, "Upload-Offset": "0"}
    )
    assert_problem(too_long, 413, "chunk-too-large")
    assert (await media.client.head(location, headers=headers)).headers["upload-offset"] == "0"


async def test_only_providers_and_admins_upload(media_api_only: MediaHarness) -> None:
    media = media_api_only
    assert_problem(await media.create(10, {"Tus-Resumable": "1.0.0"}), 401)
    assert_problem(await media.create(10, media.tokens.headers("viewer-1", "viewer")), 403)
    assert (await media.create(10, media.tokens.headers("admin-1", "admin"))).status_code == 201


async def test_a_provider_cannot_see_or_touch_another_providers_upload(
    media_api_only: MediaHarness, media_clip: Callable[[str], Path]
) -> None:
    media = media_api_only
    alice, bob = media.auth("alice"), media.auth("bob")
    location = (await media.create(10, alice)).headers["location"]
    video_id = location.rsplit("/", 1)[-1]
    assert_problem(await media.client.head(location, headers=bob), 404)
    assert_problem(
        await media.client.patch(location, content=b"x", headers={**bob, **OCTETS, "Upload-Offset": "0"}), 404
    )
    assert_problem(await media.client.delete(location, headers=bob), 404)
    assert_problem(await media.client.get(f"/api/v1/videos/{video_id}", headers=bob), 404, "video-not-found")
    viewer = media.tokens.headers("viewer-1", "viewer")
    assert_problem(await media.client.get(f"/api/v1/videos/{video_id}", headers=viewer), 404)
    assert_problem(await media.client.get(f"/api/v1/videos/{video_id}"), 401)
    admin = media.tokens.headers("admin-1", "admin")
    assert (await media.client.get(f"/api/v1/videos/{video_id}", headers=admin)).json()[
        "status"
    ] == "uploading"
    assert (await media.client.get(f"/api/v1/videos/{video_id}", headers=alice)).status_code == 200
    assert_problem(await media.client.get("/api/v1/videos/not-a-uuid", headers=alice), 422)


async def test_a_full_disk_refuses_new_uploads_with_507(media_api_only: MediaHarness) -> None:
    media = media_api_only
    service = media.app.state.context.uploads
    service.settings = service.settings.model_copy(update={"min_free_disk_bytes": 1 << 62})
    assert_problem(await media.create(10, media.auth()), 507, "insufficient-storage")
