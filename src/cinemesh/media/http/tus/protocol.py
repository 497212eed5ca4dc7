"""tus 1.0 header rules: versions, metadata, checksums, dates. No I/O.

https://tus.io/protocols/resumable-upload (core, creation, expiration, termination, checksum).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import email.utils
import hashlib
import re

from cinemesh.media.domain.uploads import ExpectedChecksum
from cinemesh.platform.problems import Problem

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,expiration,termination,checksum"
CHECKSUM_ALGORITHMS = ("sha1", "md5", "sha256")
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
# Not in RFC 9110: the status the tus checksum extension defines for a failed checksum.
CHECKSUM_MISMATCH = 460

_METADATA_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
MAX_METADATA_BYTES = 4096


def tus_headers() -> dict[str, str]:
    return {"Tus-Resumable": TUS_VERSION}


def http_date(value: dt.datetime) -> str:
    """RFC 9110 IMF-fixdate, the format of `Upload-Expires`."""
    return email.utils.format_datetime(value.astimezone(dt.UTC), usegmt=True)


def require_version(value: str | None) -> None:
    if value != TUS_VERSION:
        raise Problem(
            412,
            f"Tus-Resumable must be {TUS_VERSION}.",
            code="tus-version-unsupported",
            headers={"Tus-Version": TUS_VERSION, **tus_headers()},
        )


def parse_non_negative(value: str | None, *, header: str) -> int:
    if value is None or not value.isdigit() or len(value) > 19:
        raise Problem(
            400,
            f"{header} must be a non-negative integer.",
            code="tus-bad-header",
            field=header,
            headers=tus_headers(),
        )
    return int(value)


def parse_metadata(value: str | None) -> dict[str, str]:
    """`key base64,key2 base64` -> {key: text}. Values must be UTF-8 text."""
    if not value:
        return {}
    if len(value) > MAX_METADATA_BYTES:
        raise _bad_metadata(f"Upload-Metadata is longer than {MAX_METADATA_BYTES} bytes.")
    pairs: dict[str, str] = {}
    for item in value.split(","):
        key, _, encoded = item.strip().partition(" ")
        if not _METADATA_KEY.match(key) or key in pairs:
            raise _bad_metadata(f"Upload-Metadata has an invalid or repeated key {key[:64]!r}.")
        try:
            pairs[key] = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise _bad_metadata(f"Upload-Metadata value of {key!r} is not base64 of UTF-8 text.") from exc
    return pairs


def _bad_metadata(detail: str) -> Problem:
    return Problem(400, detail, code="tus-bad-metadata", field="Upload-Metadata", headers=tus_headers())


def parse_checksum(value: str | None) -> ExpectedChecksum | None:
    if value is None:
        return None
    algorithm, _, encoded = value.strip().partition(" ")
    algorithm = algorithm.lower()
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise Problem(
            400,
            f"Upload-Checksum algorithm must be one of {', '.join(CHECKSUM_ALGORITHMS)}.",
            code="tus-checksum-algorithm",
            field="Upload-Checksum",
            headers=tus_headers(),
        )
    size = hashlib.new(algorithm).digest_size
    try:
        digest = base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error:
        digest = b""
    # A missing or short digest is a malformed header (400), not a chunk that failed its
    # checksum (460): the client's request is wrong, not its bytes.
    if len(digest) != size:
        raise Problem(
            400,
            f"Upload-Checksum must be '{algorithm} <base64 of the {size}-byte digest>'.",
            code="tus-bad-header",
            field="Upload-Checksum",
            headers=tus_headers(),
        )
    return ExpectedChecksum(algorithm, digest)
