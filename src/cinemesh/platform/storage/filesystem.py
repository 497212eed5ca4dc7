"""Object store on a local directory: the laptop adapter, and the one that allows zero-copy sends.

Layout under `root`:

* `data/<key>`  the object's bytes, a plain file (what `local_path` returns);
* `meta/<key>.json`  its content type, plus the validator of the data file it describes;
* `tmp/`  staging files, on the same filesystem so `os.replace` is an atomic rename.

A write stages the bytes in `tmp/` and renames them over the key (`_atomic_files`). The
metadata records the staged file's validator (inode, size, mtime survive the rename), so after a
crash between the two renames `stat` notices the mismatch and falls back to guessing the type
instead of reporting the wrong one.

Every blocking call runs in a worker thread (`asyncio.to_thread`); big files are never read
whole into memory.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import json
import os
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from cinemesh.platform.storage import _atomic_files as files
from cinemesh.platform.storage._content_type import resolve_content_type
from cinemesh.platform.storage.base import (
    DEFAULT_CHUNK_SIZE,
    InvalidKeyError,
    ObjectInfo,
    ObjectNotFoundError,
    ObjectStore,
    ObjectStoreError,
    resolve_range,
    validate_key,
    validate_prefix,
)

_STAT_BATCH = 256  # objects stat'ed per worker-thread hop while listing
# Staging files older than this can only be debris of a crashed writer (no put runs for a day).
STALE_STAGING_SECONDS = 24 * 3600


def _etag(st: os.stat_result) -> str:
    # Like nginx's ETag: cheap (no hashing of GB files) and changes on every replace.
    return f"{st.st_ino:x}-{st.st_size:x}-{st.st_mtime_ns:x}"


class FilesystemObjectStore(ObjectStore):
    def __init__(self, root: Path) -> None:
        self._root = Path(root).resolve()
        self._data = self._root / "data"
        self._meta = self._root / "meta"
        self._tmp = self._root / "tmp"

    @property
    def root(self) -> Path:
        return self._root

    # -- paths -------------------------------------------------------------------------------

    def _data_path(self, key: str) -> Path:
        """The checked path of `key`. Touches the disk (resolve), so call it off the loop."""
        validate_key(key)
        # Defence in depth behind validate_key: resolving also follows symlinks planted inside
        # the store, so nothing can make a key land outside data/.
        path = (self._data / key).resolve()
        if not path.is_relative_to(self._data) or path == self._data:
            raise InvalidKeyError(f"object key escapes the store: {key!r}")
        return path

    def _meta_path(self, key: str) -> Path:
        return self._meta / f"{key}.json"

    # -- lifecycle ---------------------------------------------------------------------------

    async def ensure_ready(self) -> None:
        await asyncio.to_thread(self._ensure_dirs)
        await asyncio.to_thread(files.sweep_staging, self._tmp, STALE_STAGING_SECONDS)

    def _ensure_dirs(self) -> None:
        for directory in (self._data, self._meta, self._tmp):
            directory.mkdir(parents=True, exist_ok=True)

    # -- writes ------------------------------------------------------------------------------

    async def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        validate_key(key)  # fail fast, without a thread hop; _put checks the resolved path
        content_type = resolve_content_type(key, content_type)
        await asyncio.to_thread(self._put, key, lambda out: out.write(data), content_type)

    async def put_file(self, key: str, path: Path, *, content_type: str | None = None) -> None:
        validate_key(key)

        def copy(out: BinaryIO) -> None:
            with open(path, "rb") as source:
                shutil.copyfileobj(source, out, DEFAULT_CHUNK_SIZE)

        await asyncio.to_thread(self._put, key, copy, resolve_content_type(key, content_type))

    def _put(self, key: str, write: Callable[[BinaryIO], object], content_type: str) -> None:
        target = self._data_path(key)
        self._ensure_dirs()
        staged, st = files.write_staged(self._tmp, write, prefix="put-")
        try:
            files.write_json(
                self._tmp, self._meta_path(key), {"content_type": content_type, "etag": _etag(st)}
            )
            files.replace_into(staged, target)
        except (NotADirectoryError, IsADirectoryError, FileExistsError) as exc:
            files.discard(staged)
            # S3 allows `a` and `a/b` side by side; a directory tree cannot.
            raise ObjectStoreError(
                f"key {key!r} collides with an existing object or prefix on the filesystem store"
            ) from exc
        except BaseException:
            files.discard(staged)
            raise

    # -- reads -------------------------------------------------------------------------------

    def _open(self, key: str) -> BinaryIO:
        path = self._data_path(key)
        try:
            return open(path, "rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFoundError(key) from None

    async def get_bytes(self, key: str) -> bytes:
        validate_key(key)

        def read() -> bytes:
            with self._open(key) as f:
                return f.read()

        return await asyncio.to_thread(read)

    async def get_range(self, key: str, start: int, end: int | None = None) -> bytes:
        validate_key(key)

        def read() -> bytes:
            with self._open(key) as f:
                first, last = resolve_range(os.fstat(f.fileno()).st_size, start, end)
                f.seek(first)
                return f.read(last - first + 1)

        return await asyncio.to_thread(read)

    async def _open_uncancellable(self, key: str) -> BinaryIO:
        """Opens in a thread; if the caller is cancelled meanwhile, the file the thread still
        opens is closed at once instead of leaking until garbage collection."""
        opening = asyncio.ensure_future(asyncio.to_thread(self._open, key))
        try:
            return await asyncio.shield(opening)
        except asyncio.CancelledError:
            opening.add_done_callback(_close_opened)
            raise

    async def stream(
        self,
        key: str,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        start: int | None = None,
        end: int | None = None,
    ) -> AsyncIterator[bytes]:
        if chunk_size <= 0:
            raise ValueError("chunk_size must be positive")
        validate_key(key)
        f = await self._open_uncancellable(key)
        try:
            size = os.fstat(f.fileno()).st_size
            if size == 0 and start is None and end is None:
                return
            first, last = resolve_range(size, start or 0, end)
            await asyncio.to_thread(f.seek, first)
            remaining = last - first + 1
            while remaining > 0:
                chunk = await asyncio.to_thread(f.read, min(chunk_size, remaining))
                if not chunk:  # truncated underneath us: end early rather than spin
                    return
                remaining -= len(chunk)
                yield chunk
        finally:
            f.close()

    async def stat(self, key: str) -> ObjectInfo:
        validate_key(key)
        return await asyncio.to_thread(self._stat, key)

    def _stat(self, key: str) -> ObjectInfo:
        path = self._data_path(key)
        try:
            st = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            raise ObjectNotFoundError(key) from None
        if not path.is_file():
            raise ObjectNotFoundError(key)
        return self._info(key, st, self._content_type(key, st))

    def _content_type(self, key: str, st: os.stat_result) -> str:
        try:
            meta = json.loads(self._meta_path(key).read_bytes())
        except (OSError, ValueError):
            meta = {}
        if isinstance(meta, dict) and meta.get("etag") == _etag(st):
            content_type = meta.get("content_type")
            if isinstance(content_type, str):
                return content_type
        return resolve_content_type(key, None)  # metadata lost or stale: guess, never mislabel

    @staticmethod
    def _info(key: str, st: os.stat_result, content_type: str) -> ObjectInfo:
        return ObjectInfo(
            key=key,
            size=st.st_size,
            content_type=content_type,
            etag=_etag(st),
            last_modified=datetime.fromtimestamp(st.st_mtime, tz=UTC),
        )

    # -- deletes -----------------------------------------------------------------------------

    async def delete(self, key: str) -> None:
        validate_key(key)
        await asyncio.to_thread(self._delete, key)

    def _delete(self, key: str) -> bool:
        """True if this call removed the object."""
        path = self._data_path(key)
        try:
            path.unlink()
        except (FileNotFoundError, NotADirectoryError):
            existed = False
        except IsADirectoryError:
            return False  # a prefix, not an object
        else:
            existed = True
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            self._meta_path(key).unlink()
        files.prune_empty(path.parent, self._data)
        files.prune_empty(self._meta_path(key).parent, self._meta)
        return existed

    async def delete_prefix(self, prefix: str) -> int:
        deleted = 0
        async for info in self.list(prefix):
            if await asyncio.to_thread(self._delete, info.key):
                deleted += 1
        return deleted

    # -- listing -----------------------------------------------------------------------------

    async def list(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        validate_prefix(prefix)
        keys = await asyncio.to_thread(lambda: sorted(self._walk(prefix)))
        for offset in range(0, len(keys), _STAT_BATCH):
            batch = keys[offset : offset + _STAT_BATCH]
            for info in await asyncio.to_thread(self._stat_many, batch):
                yield info

    def _walk(self, prefix: str) -> Iterator[str]:
        # Only the directory named by the prefix's complete segments can hold matches.
        base_dir = self._data / prefix.rpartition("/")[0] if "/" in prefix else self._data
        if not base_dir.is_dir():
            return
        for dirpath, _dirnames, filenames in os.walk(base_dir):
            relative_dir = Path(dirpath).relative_to(self._data).as_posix()
            for name in filenames:
                key = name if relative_dir == "." else f"{relative_dir}/{name}"
                if key.startswith(prefix):
                    yield key

    def _stat_many(self, keys: builtins.list[str]) -> builtins.list[ObjectInfo]:
        infos = []
        for key in keys:
            # Deleted while we were listing, or a stray file no valid key names (say, a symlink
            # pointing out of the store): not an object of this store.
            with contextlib.suppress(ObjectNotFoundError, InvalidKeyError):
                infos.append(self._stat(key))
        return infos

    def local_path(self, key: str) -> Path | None:
        return self._data_path(key)

    async def presigned_get_url(self, key: str, expires_in: int) -> str | None:
        validate_key(key)
        return None


def _close_opened(opening: asyncio.Future[BinaryIO]) -> None:
    if not opening.cancelled() and opening.exception() is None:
        opening.result().close()
