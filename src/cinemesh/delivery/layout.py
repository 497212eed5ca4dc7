"""Delivery's own objects and public paths, all derived from keys media announced.

Media's layout is media's (`media.video.transcoded.v1` carries the video's storage prefix and
every key delivery reads); nothing here guesses it. Delivery writes two kinds of derived objects:

    delivery/aes128/<clear key>               a segment's AES-128 copy, made on first request
    delivery/cenc/<storage prefix>dash/...    the CENC package; its manifest.mpd is written last

and serves them, with media's clear objects, under `/api/v1/stream/{token}/{path}` where path is
a clear key, `aes128/<clear key>` (the copy), a package key, or `sessions/{id}/...` (the
per-session documents).
"""

from __future__ import annotations

ENCRYPTED_PREFIX = "delivery/aes128/"
CENC_STORE_PREFIX = "delivery/cenc/"  # the package's public paths are its store keys
AES_PATH_PREFIX = "aes128/"  # public path of a segment's AES-128 copy: aes128/<clear key>
SESSIONS_PREFIX = "sessions/"
CENC_MANIFEST = "manifest.mpd"


def encrypted_object_key(clear_key: str) -> str:
    return ENCRYPTED_PREFIX + clear_key


def encrypted_prefix(storage_prefix: str) -> str:
    """Where the AES-128 copies of a video's segments are stored."""
    return ENCRYPTED_PREFIX + storage_prefix


def cenc_package_prefix(storage_prefix: str) -> str:
    return f"{CENC_STORE_PREFIX}{storage_prefix}dash/"


def package_manifest_key(storage_prefix: str) -> str:
    return cenc_package_prefix(storage_prefix) + CENC_MANIFEST


def session_scope(session_id: str) -> str:
    return f"{SESSIONS_PREFIX}{session_id}/"


def clear_key_of(path: str) -> str:
    """The media object a public path stands for: itself, or the clear key of a copy."""
    return path.removeprefix(AES_PATH_PREFIX).removeprefix(CENC_STORE_PREFIX)
