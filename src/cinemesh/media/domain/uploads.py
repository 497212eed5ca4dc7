"""The rules of an upload in the domain's words: what a chunk must match, what an upload may be
refused for. No I/O, no HTTP: each error carries the code clients see (the problem `type`) and
the field it names; `http/problems.py` maps them to statuses, and the tus routes add the tus
headers (`http/tus/problems.py`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cinemesh.contracts.media import FEATURE, VIDEO_KINDS
from cinemesh.platform.errors import ConflictError, DomainError, NotFoundError, RuleViolation


@dataclass(frozen=True)
class ExpectedChecksum:
    """The digest a chunk must have (tus checksum extension)."""

    algorithm: str
    digest: bytes

    def hasher(self) -> hashlib._Hash:
        return hashlib.new(self.algorithm)


# -- creation ------------------------------------------------------------------------------


class InvalidUploadError(RuleViolation):
    """A creation refused for one field of its headers or metadata (the field is named)."""


class MissingTitleError(InvalidUploadError):
    code = "tus-missing-title"


class BadMetadataError(InvalidUploadError):
    code = "tus-bad-metadata"


class EmptyUploadError(InvalidUploadError):
    code = "empty-upload"


class UploadTooLargeError(InvalidUploadError):
    code = "upload-too-large"


class TitleNotFoundError(NotFoundError):
    """No title of that id the uploader may upload to (the same answer either way)."""

    code = "title-not-found"


class TitleArchivedError(ConflictError):
    code = "title-archived"


class InsufficientStorageError(DomainError):
    """Not enough local disk to take the bytes now (transient)."""

    code = "insufficient-storage"


class StorageUnavailableError(DomainError):
    """The upload is complete but the object store refused its source (transient)."""

    code = "storage-unavailable"


MAX_TITLE_ID = 64
MAX_FILENAME = 255


@dataclass(frozen=True)
class UploadRequest:
    """What a creation asks for, once its metadata passed the rules."""

    title_id: str
    kind: str  # one of VIDEO_KINDS
    filename: str | None


def upload_request(*, length: int, metadata: dict[str, str], max_bytes: int) -> UploadRequest:
    """The upload a creation asks for; refuses the first field that breaks a rule."""
    title_id = metadata.get("title_id", "").strip()
    if not title_id or len(title_id) > MAX_TITLE_ID:
        detail = "Upload-Metadata must carry title_id (at most 64 characters)."
        raise MissingTitleError(detail, field="title_id")
    kind = metadata.get("kind", FEATURE).strip().lower() or FEATURE
    if kind not in VIDEO_KINDS:
        raise BadMetadataError(f"kind must be one of {', '.join(VIDEO_KINDS)}.", field="kind")
    filename = metadata.get("filename") or None
    if filename is not None and len(filename) > MAX_FILENAME:
        raise BadMetadataError("filename is too long.", field="filename")
    if length == 0:
        raise EmptyUploadError("The file is empty (Upload-Length 0).", field="Upload-Length")
    if length > max_bytes:
        detail = f"The file is {length} bytes; the limit is {max_bytes}."
        raise UploadTooLargeError(detail, field="Upload-Length")
    return UploadRequest(title_id=title_id, kind=kind, filename=filename)


# -- an upload's life ----------------------------------------------------------------------


class UploadNotFoundError(NotFoundError):
    code = "upload-not-found"


class UploadExpiredError(DomainError):
    code = "upload-expired"


class ConcurrentPatchError(ConflictError):
    """Another PATCH of the upload is being written."""

    code = "upload-busy"

    def __init__(self, detail: str = "Another PATCH of this upload is in progress.") -> None:
        super().__init__(detail)


class UploadOffsetError(ConflictError):
    """A refusal that tells the client where the upload stands (`offset`, when known)."""

    def __init__(self, detail: str, *, offset: int | None = None) -> None:
        super().__init__(detail)
        self.offset = offset


class UploadCompleteError(UploadOffsetError):
    code = "upload-complete"


class OffsetMismatchError(UploadOffsetError):
    code = "upload-offset-mismatch"


class ChunkTooLargeError(RuleViolation):
    code = "chunk-too-large"


class ChecksumMismatchError(RuleViolation):
    code = "checksum-mismatch"


class SpoolMissingError(ConflictError):
    code = "upload-spool-missing"


class OnAnotherInstanceError(ConflictError):
    code = "upload-on-another-instance"


# -- videos ----------------------------------------------------------------------------------


class VideoNotFoundError(NotFoundError):
    code = "video-not-found"
