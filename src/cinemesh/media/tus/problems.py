"""The problems (RFC 9457) an upload's requests answer with: one place for their codes, texts
and tus headers, which the use cases raise."""

from __future__ import annotations

from cinemesh.media.tus.protocol import CHECKSUM_MISMATCH, tus_headers
from cinemesh.platform.problems import Problem


def invalid(status: int, detail: str, *, code: str, field: str) -> Problem:
    """A creation refused for one field of its headers or metadata, named in the problem."""
    return Problem(status, detail, code=code, field=field, headers=tus_headers())


def busy() -> Problem:
    return Problem(
        409, "Another PATCH of this upload is in progress.", code="upload-busy", headers=tus_headers()
    )


def insufficient_storage() -> Problem:
    return Problem(
        507,
        "Not enough disk space to accept this upload now; try again later.",
        code="insufficient-storage",
        title="Insufficient Storage",
        headers={"Retry-After": "60", **tus_headers()},
    )


def not_found(video_id: str) -> Problem:
    return Problem(404, f"No upload {video_id}.", code="upload-not-found", headers=tus_headers())


def expired(video_id: str, expiry_seconds: float) -> Problem:
    return Problem(
        410,
        f"Upload {video_id} expired after {expiry_seconds:g} s without bytes; start a new upload.",
        code="upload-expired",
        headers=tus_headers(),
    )


def complete(detail: str, *, offset: int | None = None) -> Problem:
    headers = {"Upload-Offset": str(offset), **tus_headers()} if offset is not None else tus_headers()
    return Problem(409, detail, code="upload-complete", headers=headers)


def offset_mismatch(detail: str, *, offset: int) -> Problem:
    return Problem(
        409, detail, code="upload-offset-mismatch", headers={"Upload-Offset": str(offset), **tus_headers()}
    )


def chunk_too_large(detail: str) -> Problem:
    return Problem(413, detail, code="chunk-too-large", headers=tus_headers())


def checksum_mismatch() -> Problem:
    return Problem(
        CHECKSUM_MISMATCH,
        "Upload-Checksum does not match the chunk; it was discarded.",
        code="checksum-mismatch",
        title="Checksum Mismatch",
        headers=tus_headers(),
    )


def spool_missing(video_id: str) -> Problem:
    return Problem(
        409,
        f"This instance's spool has no bytes of upload {video_id}: they were written on "
        "another instance or lost. Resume where the upload was created, or start again.",
        code="upload-spool-missing",
        headers=tus_headers(),
    )


def on_another_instance(video_id: str, spool_id: str) -> Problem:
    return Problem(
        409,
        f"Upload {video_id} is being received by another instance (spool {spool_id}); this "
        "one cannot continue it. Route an upload's requests to one instance, or share the spool.",
        code="upload-on-another-instance",
        headers=tus_headers(),
        spool_id=spool_id,
    )
