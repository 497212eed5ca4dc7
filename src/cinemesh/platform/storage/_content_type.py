"""Content types shared by the adapters, so both answer `stat` the same way."""

from __future__ import annotations

import mimetypes

DEFAULT_CONTENT_TYPE = "application/octet-stream"

# HLS/DASH types are missing from many systems' mime databases; a player is picky about them.
_EXTRA_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".mpd": "application/dash+xml",
    ".ts": "video/mp2t",
    ".m4s": "video/iso.segment",
    ".vtt": "text/vtt",
}


def resolve_content_type(key: str, content_type: str | None) -> str:
    """The explicit type, else a guess from the key's extension, else octet-stream."""
    if content_type:
        return content_type
    dot = key.rfind(".")
    if dot != -1 and (extra := _EXTRA_TYPES.get(key[dot:].lower())):
        return extra
    guessed, _ = mimetypes.guess_type(key, strict=False)
    return guessed or DEFAULT_CONTENT_TYPE
