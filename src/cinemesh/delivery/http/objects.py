"""Serving stored objects: byte ranges, content types, CORS and cache headers, zero-copy.

On the filesystem store a segment goes out as a `FileResponse`, which uses the ASGI
`http.response.pathsend` extension when the server offers it (granian does: sendfile, the bytes
never enter Python) and answers `Range`/`If-Range` itself. On S3 the object is streamed with
the range passed through, or, if configured, answered with a redirect to a presigned URL.
"""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

from starlette.responses import FileResponse, RedirectResponse, Response, StreamingResponse

from cinemesh.platform.problems import Problem
from cinemesh.platform.storage import InvalidKeyError, ObjectNotFoundError, ObjectStore
from cinemesh.platform.storage._content_type import resolve_content_type
from cinemesh.platform.storage.base import InvalidRangeError, resolve_range

MANIFEST_SUFFIXES = (".m3u8", ".mpd", ".vtt")
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def cache_control(key: str, *, manifest_max_age: int, segment_max_age: int) -> str:
    # Segments never change under a key (a re-transcode purges them), so they are immutable;
    # manifests are short-lived so a changed ladder is picked up quickly.
    if key.endswith(MANIFEST_SUFFIXES):
        return f"public, max-age={manifest_max_age}"
    return f"public, max-age={segment_max_age}, immutable"


def _locate(store: ObjectStore, key: str) -> tuple[Path, os.stat_result] | None:
    path = store.local_path(key)
    if path is None:
        return None
    try:
        st = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise ObjectNotFoundError(key) from None
    if not path.is_file():
        raise ObjectNotFoundError(key)
    return path, st


def _parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """A single `bytes=a-b` / `bytes=a-` / `bytes=-n` range, inclusive; None for the whole body."""
    if header is None:
        return None
    match = _RANGE.match(header.strip())
    if match is None or (not match[1] and not match[2]):
        return None  # multi-range or malformed: RFC 9110 lets us ignore Range and send 200
    if not match[1]:
        suffix = int(match[2])
        if suffix == 0:
            raise InvalidRangeError("empty suffix range")
        return max(0, size - suffix), size - 1
    return resolve_range(size, int(match[1]), int(match[2]) if match[2] else None)


async def object_response(
    store: ObjectStore,
    key: str,
    *,
    headers: dict[str, str],
    range_header: str | None,
    presigned_redirect: bool = False,
) -> Response:
    try:
        located = await asyncio.to_thread(_locate, store, key)
        content_type = resolve_content_type(key, None)
        if located is not None:
            path, st = located
            return FileResponse(path, media_type=content_type, headers=headers, stat_result=st)
        if presigned_redirect and (url := await store.presigned_get_url(key, 300)):
            return RedirectResponse(url, status_code=302, headers=headers)
        info = await store.stat(key)
        byte_range = _parse_range(range_header, info.size)
    except (ObjectNotFoundError, InvalidKeyError):
        raise Problem(404, "No such media object.", code="object-not-found") from None
    except InvalidRangeError:
        raise Problem(
            416,
            "The range is not satisfiable.",
            code="range-not-satisfiable",
            headers={"Content-Range": "bytes */*"},
        ) from None
    base = {**headers, "Accept-Ranges": "bytes", "ETag": f'"{info.etag}"'}
    if byte_range is None:
        return StreamingResponse(
            store.stream(key), media_type=info.content_type or content_type,
            headers={**base, "Content-Length": str(info.size)},
        )  # fmt: skip
    start, end = byte_range
    return StreamingResponse(
        store.stream(key, start=start, end=end),
        status_code=206,
        media_type=info.content_type or content_type,
        headers={
            **base,
            "Content-Length": str(end - start + 1),
            "Content-Range": f"bytes {start}-{end}/{info.size}",
        },
    )
