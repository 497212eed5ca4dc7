"""The object store port: what every service may assume about blob storage.

Keys are `/`-separated relative paths (`videos/42/source.mp4`). They are validated here, once,
for every adapter, so a key that works on a laptop (filesystem) also works at scale (S3) and no
key can ever name something outside the store.

Ranges are *inclusive* on both ends, exactly like an HTTP `Range: bytes=start-end` header and
S3's `Range` parameter, so a server can pass a parsed header straight through.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

MAX_KEY_BYTES = 1024  # S3's own limit; the filesystem adapter honours it too.
DEFAULT_CHUNK_SIZE = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    key: str
    size: int
    content_type: str | None
    # Opaque validator, unquoted: it changes whenever the content changes. It is *not* a content
    # hash (S3 multipart ETags are not MD5s; the filesystem one is derived from size and mtime).
    etag: str
    last_modified: datetime  # timezone-aware, UTC


class ObjectStoreError(Exception):
    """Base class of every error the object store raises on purpose."""


class InvalidKeyError(ObjectStoreError, ValueError):
    """The key is not a safe relative path (traversal, absolute, NUL, backslash, empty, too long)."""


class InvalidRangeError(ObjectStoreError, ValueError):
    """The requested byte range is not satisfiable (HTTP 416)."""


class ObjectNotFoundError(ObjectStoreError, KeyError):
    """No object is stored under the key."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key

    def __str__(self) -> str:  # KeyError's default repr-quotes the message.
        return f"no object under key {self.key!r}"


def validate_key(key: str) -> str:
    """Return `key` unchanged if it is a safe object key, else raise `InvalidKeyError`."""
    if not isinstance(key, str) or not key:
        raise InvalidKeyError("object key must be a non-empty string")
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        raise InvalidKeyError(f"object key longer than {MAX_KEY_BYTES} bytes")
    if "\x00" in key or "\\" in key:
        raise InvalidKeyError(f"object key contains NUL or backslash: {key!r}")
    if key.startswith("/"):
        raise InvalidKeyError(f"object key must be relative: {key!r}")
    # Empty and dot segments are refused (not normalised) so that exactly one key names an object:
    # `a//b`, `a/./b` and `a/` would alias or be unrepresentable as files.
    for segment in key.split("/"):
        if segment in ("", ".", ".."):
            raise InvalidKeyError(f"object key has an empty, '.' or '..' segment: {key!r}")
    return key


def validate_prefix(prefix: str) -> str:
    """A prefix is a key fragment: empty (everything), or a key optionally ending in `/`."""
    if prefix == "":
        return prefix
    validate_key(prefix.removesuffix("/"))
    return prefix


def resolve_range(size: int, start: int, end: int | None) -> tuple[int, int]:
    """Clamp an inclusive range to an object of `size` bytes, as HTTP does.

    `end=None` or an end past the object means "to the last byte". A start at or past the end
    of the object (or a negative bound, or end < start) is unsatisfiable.
    """
    if start < 0 or (end is not None and end < start):
        raise InvalidRangeError(f"invalid byte range {start}-{end}")
    if start >= size:
        raise InvalidRangeError(f"range start {start} is beyond the object size {size}")
    last = size - 1 if end is None else min(end, size - 1)
    return start, last


class ObjectStore(abc.ABC):
    """Async blob storage. Every method may be awaited from the event loop without blocking it."""

    @abc.abstractmethod
    async def ensure_ready(self) -> None:
        """Create whatever the store needs (directory, bucket); idempotent."""

    @abc.abstractmethod
    async def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        """Store `data` under `key`, replacing any previous object atomically.

        Without `content_type` the type is guessed from the key's extension (octet-stream if none).
        """

    @abc.abstractmethod
    async def put_file(self, key: str, path: Path, *, content_type: str | None = None) -> None:
        """Store the file at `path` under `key`, streamed (multipart on S3), never read into memory."""

    @abc.abstractmethod
    async def get_bytes(self, key: str) -> bytes:
        """The whole object. Meant for small objects (manifests, images); stream big ones."""

    @abc.abstractmethod
    async def get_range(self, key: str, start: int, end: int | None = None) -> bytes:
        """Bytes `start..end` inclusive (HTTP Range semantics); `end=None` reads to the end."""

    @abc.abstractmethod
    def stream(
        self,
        key: str,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        start: int | None = None,
        end: int | None = None,
    ) -> AsyncIterator[bytes]:
        """Yield the object (or the inclusive range) in chunks of at most `chunk_size` bytes.

        Raises `ObjectNotFoundError`/`InvalidRangeError` on the first iteration.
        """

    @abc.abstractmethod
    async def stat(self, key: str) -> ObjectInfo:
        """Metadata of the object, or `ObjectNotFoundError`."""

    async def exists(self, key: str) -> bool:
        try:
            await self.stat(key)
        except ObjectNotFoundError:
            return False
        return True

    @abc.abstractmethod
    async def delete(self, key: str) -> None:
        """Delete the object if it exists. Idempotent: deleting a missing key is not an error."""

    @abc.abstractmethod
    async def delete_prefix(self, prefix: str) -> int:
        """Delete every object whose key starts with `prefix`; return how many were deleted."""

    @abc.abstractmethod
    def list(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        """Objects whose key starts with `prefix` (a string prefix, as on S3), in key order.

        `content_type` may be None here (S3 listings do not carry it); `stat` always has it.
        """

    @abc.abstractmethod
    def local_path(self, key: str) -> Path | None:
        """A real file holding the object, for zero-copy sends; None when the store is remote.

        The path is not checked for existence: a caller racing a delete must handle a missing file.
        """

    @abc.abstractmethod
    async def presigned_get_url(self, key: str, expires_in: int) -> str | None:
        """A URL a client may GET the object from directly for `expires_in` seconds, if supported."""

    async def close(self) -> None:  # noqa: B027 - optional hook, most adapters hold nothing to release
        """Release client resources."""
