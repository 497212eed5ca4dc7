"""One contract, every object store adapter: the filesystem one and S3 over real HTTP (moto)."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC
from pathlib import Path

import httpx
import pytest

from cinemesh.platform.storage import (
    FilesystemObjectStore,
    InvalidKeyError,
    InvalidRangeError,
    ObjectNotFoundError,
    ObjectStore,
    S3ObjectStore,
)

pytestmark = pytest.mark.integration

S3_PAGE_SIZE = 7  # small, so ~30 keys cross several ListObjectsV2 pages


@pytest.fixture(params=["filesystem", "s3"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ObjectStore]:
    adapter: ObjectStore
    if request.param == "filesystem":
        adapter = FilesystemObjectStore(tmp_path / "objects")
    else:
        adapter = S3ObjectStore(
            bucket=f"test-{uuid.uuid4().hex[:20]}",  # a bucket per test: no cross-test leakage
            endpoint_url=request.getfixturevalue("s3_endpoint"),
            access_key_id="testing",
            secret_access_key="testing",
            list_page_size=S3_PAGE_SIZE,
        )
    await adapter.ensure_ready()
    await adapter.ensure_ready()  # idempotent
    yield adapter
    await adapter.close()


async def _collect(chunks: AsyncIterator[bytes]) -> list[bytes]:
    return [chunk async for chunk in chunks]


async def test_round_trip_and_overwrite(store: ObjectStore) -> None:
    await store.put_bytes("videos/1/poster.jpg", b"first", content_type="image/jpeg")
    assert await store.get_bytes("videos/1/poster.jpg") == b"first"
    await store.put_bytes("videos/1/poster.jpg", b"second, longer")
    assert await store.get_bytes("videos/1/poster.jpg") == b"second, longer"
    assert await store.exists("videos/1/poster.jpg")


async def test_empty_object(store: ObjectStore) -> None:
    await store.put_bytes("empty.bin", b"")
    assert await store.get_bytes("empty.bin") == b""
    assert (await store.stat("empty.bin")).size == 0
    assert await _collect(store.stream("empty.bin")) == []


async def test_large_put_file_streams_back_intact(store: ObjectStore, tmp_path: Path) -> None:
    source = tmp_path / "source.mp4"
    payload = os.urandom(12 * 1024 * 1024)  # past the 8 MiB multipart threshold on S3
    source.write_bytes(payload)

    await store.put_file("uploads/big.mp4", source)

    info = await store.stat("uploads/big.mp4")
    assert info.size == len(payload)
    assert info.content_type == "video/mp4"
    digest = hashlib.sha256()
    async for chunk in store.stream("uploads/big.mp4", chunk_size=1024 * 1024):
        assert 0 < len(chunk) <= 1024 * 1024
        digest.update(chunk)
    assert digest.digest() == hashlib.sha256(payload).digest()
    if isinstance(store, S3ObjectStore):
        assert info.etag.endswith("-2"), "12 MiB in 8 MiB parts is a two-part multipart upload"


async def test_ranged_reads_follow_http_semantics(store: ObjectStore) -> None:
    data = bytes(range(256)) * 4
    await store.put_bytes("seg/0001.m4s", data)

    assert await store.get_range("seg/0001.m4s", 0, 9) == data[0:10]  # inclusive end
    assert await store.get_range("seg/0001.m4s", 1000) == data[1000:]
    assert await store.get_range("seg/0001.m4s", 1020, 5000) == data[1020:]  # end clamped
    assert await store.get_range("seg/0001.m4s", 1023, 1023) == data[-1:]
    with pytest.raises(InvalidRangeError):
        await store.get_range("seg/0001.m4s", len(data), None)
    with pytest.raises(InvalidRangeError):
        await store.get_range("seg/0001.m4s", 10, 5)
    with pytest.raises(InvalidRangeError):
        await store.get_range("seg/0001.m4s", -1, 5)


async def test_streaming_whole_and_ranged(store: ObjectStore) -> None:
    data = os.urandom(10_000)
    await store.put_bytes("seg/0002.m4s", data)

    chunks = await _collect(store.stream("seg/0002.m4s", chunk_size=3000))
    assert b"".join(chunks) == data
    assert all(len(c) <= 3000 for c in chunks)

    ranged = await _collect(store.stream("seg/0002.m4s", chunk_size=1000, start=500, end=4499))
    assert b"".join(ranged) == data[500:4500]
    tail = await _collect(store.stream("seg/0002.m4s", start=9000))
    assert b"".join(tail) == data[9000:]
    with pytest.raises(InvalidRangeError):
        await _collect(store.stream("seg/0002.m4s", start=10_000))


async def test_stat_reports_size_type_etag_and_time(store: ObjectStore) -> None:
    await store.put_bytes("hls/master.m3u8", b"#EXTM3U\n")
    first = await store.stat("hls/master.m3u8")
    assert first.key == "hls/master.m3u8"
    assert first.size == 8
    assert first.content_type == "application/vnd.apple.mpegurl"
    assert first.etag and '"' not in first.etag
    assert first.last_modified.tzinfo is not None
    assert first.last_modified.astimezone(UTC).year >= 2024

    await store.put_bytes("hls/master.m3u8", b"#EXTM3U\n#v2\n", content_type="text/plain")
    second = await store.stat("hls/master.m3u8")
    assert second.content_type == "text/plain"
    assert second.etag != first.etag

    await store.put_bytes("blob", b"x")
    assert (await store.stat("blob")).content_type == "application/octet-stream"


async def test_list_is_paginated_sorted_and_uses_string_prefixes(store: ObjectStore) -> None:
    keys = [f"v/42/seg-{i:03d}.m4s" for i in range(30)]
    for key in keys:
        await store.put_bytes(key, key.encode())
    await store.put_bytes("v/420/other.m4s", b"x")
    await store.put_bytes("w/outside.m4s", b"x")

    listed = [info async for info in store.list("v/42/")]
    assert [info.key for info in listed] == keys
    assert all(info.size == len(info.key) for info in listed)

    # A prefix is a string prefix, not a directory, exactly as on S3.
    assert [info.key async for info in store.list("v/42")] == [*keys, "v/420/other.m4s"]
    assert [info.key async for info in store.list("v/42/seg-02")] == keys[20:30]
    assert len([info async for info in store.list()]) == 32
    assert [info async for info in store.list("nothing/")] == []


async def test_delete_and_delete_prefix(store: ObjectStore) -> None:
    for i in range(12):
        await store.put_bytes(f"v/7/seg-{i}.m4s", b"s")
    await store.put_bytes("v/7.json", b"{}")
    await store.put_bytes("v/8/seg-0.m4s", b"s")

    assert await store.delete_prefix("v/7/") == 12
    assert [info.key async for info in store.list("v/")] == ["v/7.json", "v/8/seg-0.m4s"]
    assert await store.delete_prefix("v/7/") == 0

    await store.delete("v/7.json")
    await store.delete("v/7.json")  # idempotent
    assert not await store.exists("v/7.json")


async def test_missing_objects(store: ObjectStore) -> None:
    assert not await store.exists("no/such.key")
    with pytest.raises(ObjectNotFoundError):
        await store.get_bytes("no/such.key")
    with pytest.raises(ObjectNotFoundError):
        await store.get_range("no/such.key", 0, 10)
    with pytest.raises(ObjectNotFoundError):
        await store.stat("no/such.key")
    with pytest.raises(ObjectNotFoundError):
        await _collect(store.stream("no/such.key"))
    with pytest.raises(KeyError):  # usable wherever a mapping miss is expected
        await store.get_bytes("no/such.key")
    await store.delete("no/such.key")


INVALID_KEYS = [
    "",
    "../x",
    "/etc/passwd",
    "a/../../b",
    "a/..",
    "..",
    "./a",
    "a//b",
    "a/",
    "a\\..\\b",
    "a\x00b",
    "k" * 1025,
    "é" * 513,  # 1026 bytes in UTF-8
]


@pytest.mark.parametrize("key", INVALID_KEYS, ids=repr)
async def test_invalid_keys_are_refused_everywhere(store: ObjectStore, key: str) -> None:
    calls = [
        store.put_bytes(key, b"x"),
        store.get_bytes(key),
        store.get_range(key, 0, 1),
        store.stat(key),
        store.exists(key),
        store.delete(key),
        store.presigned_get_url(key, 60),
        _collect(store.stream(key)),
    ]
    for call in calls:
        with pytest.raises(InvalidKeyError):
            await call
    with pytest.raises(InvalidKeyError):
        store.local_path(key)
    with pytest.raises(ValueError):  # InvalidKeyError is a ValueError for generic handlers
        await store.get_bytes(key)


async def test_longest_valid_key(store: ObjectStore) -> None:
    key = "/".join(["k" * 200] * 5) + "/" + "k" * 19  # 1024 bytes, segments short enough for any FS
    assert len(key.encode()) == 1024
    await store.put_bytes(key, b"ok")
    assert await store.get_bytes(key) == b"ok"


async def test_direct_access(store: ObjectStore) -> None:
    await store.put_bytes("img/cover.png", b"\x89PNG fake")
    url = await store.presigned_get_url("img/cover.png", expires_in=300)
    path = store.local_path("img/cover.png")
    if isinstance(store, S3ObjectStore):
        assert path is None
        assert url is not None
        async with httpx.AsyncClient() as client:
            response = await client.get(url)
        assert response.status_code == 200
        assert response.content == b"\x89PNG fake"
    else:
        assert url is None
        assert path is not None and path.read_bytes() == b"\x89PNG fake"
