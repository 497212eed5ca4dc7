"""What only one object store adapter promises: the filesystem's on-disk guarantees, S3's
error mapping, and the settings that choose between them."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from cinemesh.platform.settings import Settings
from cinemesh.platform.storage import (
    FilesystemObjectStore,
    InvalidKeyError,
    ObjectStoreError,
    S3ObjectStore,
    build_object_store,
)

pytestmark = pytest.mark.integration


async def test_filesystem_refuses_symlink_escape(tmp_path: Path) -> None:
    store = FilesystemObjectStore(tmp_path / "objects")
    await store.ensure_ready()
    outside = tmp_path / "secret"
    outside.mkdir()
    (outside / "passwd").write_bytes(b"root")
    (store.root / "data" / "link").symlink_to(outside)

    with pytest.raises(InvalidKeyError):
        await store.get_bytes("link/passwd")
    with pytest.raises(InvalidKeyError):
        await store.put_bytes("link/planted", b"x")
    assert not (outside / "planted").exists()
    assert [info.key async for info in store.list()] == []


async def test_filesystem_failed_write_leaves_no_object(tmp_path: Path) -> None:
    store = FilesystemObjectStore(tmp_path / "objects")
    await store.put_bytes("a/b.bin", b"old")
    with pytest.raises(FileNotFoundError):
        await store.put_file("a/b.bin", tmp_path / "does-not-exist")
    assert await store.get_bytes("a/b.bin") == b"old"  # previous version untouched
    assert list((store.root / "tmp").iterdir()) == []  # no staging debris


async def test_filesystem_key_and_prefix_collision_is_an_error(tmp_path: Path) -> None:
    store = FilesystemObjectStore(tmp_path / "objects")
    await store.put_bytes("a", b"file")
    with pytest.raises(ObjectStoreError):
        await store.put_bytes("a/b", b"under a file")


async def test_filesystem_delete_prunes_empty_directories(tmp_path: Path) -> None:
    store = FilesystemObjectStore(tmp_path / "objects")
    await store.put_bytes("v/1/seg/0.m4s", b"s")
    await store.delete_prefix("v/")
    assert list((store.root / "data").iterdir()) == []


async def test_filesystem_ensure_ready_sweeps_only_stale_staging_files(tmp_path: Path) -> None:
    store = FilesystemObjectStore(tmp_path / "objects")
    await store.ensure_ready()
    stale, fresh = store.root / "tmp" / "put-stale", store.root / "tmp" / "put-fresh"
    stale.write_bytes(b"debris of a crash")
    fresh.write_bytes(b"a write in progress")
    os.utime(stale, (0, 0))
    await store.ensure_ready()
    assert not stale.exists()
    assert fresh.exists()


async def test_s3_transport_errors_surface_as_object_store_errors() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    store = S3ObjectStore(
        bucket="b", endpoint_url=f"http://127.0.0.1:{port}", access_key_id="x", secret_access_key="y"
    )
    try:
        with pytest.raises(ObjectStoreError):
            await store.get_bytes("k")
    finally:
        await store.close()


def test_build_object_store_selects_the_adapter(tmp_path: Path) -> None:
    fs = build_object_store(Settings(data_dir=tmp_path))
    assert isinstance(fs, FilesystemObjectStore)
    assert fs.root == (tmp_path / "objects").resolve()
    s3 = build_object_store(
        Settings(object_store="s3", s3_endpoint_url="http://127.0.0.1:1", s3_bucket="media")
    )
    assert isinstance(s3, S3ObjectStore)
    assert s3.bucket == "media"
