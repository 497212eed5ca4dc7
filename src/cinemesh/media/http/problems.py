"""The one table from media's domain errors to HTTP statuses.

The upload routes answer the same errors with the tus headers as well (`http/tus/problems.py`).
"""

from __future__ import annotations

from cinemesh.media.domain.uploads import (
    ChecksumMismatchError,
    ChunkTooLargeError,
    InsufficientStorageError,
    InvalidUploadError,
    StorageUnavailableError,
    UploadExpiredError,
    UploadTooLargeError,
)
from cinemesh.media.http.tus.protocol import CHECKSUM_MISMATCH
from cinemesh.platform.errors import DEFAULT_ERROR_STATUSES, ErrorStatuses

# The platform's families cover the rest: not found 404 (upload, title, video), conflict 409
# (busy, offset, complete, spool, another instance, archived title).
ERROR_STATUSES: ErrorStatuses = {
    **DEFAULT_ERROR_STATUSES,
    InvalidUploadError: 400,
    UploadTooLargeError: 413,
    ChunkTooLargeError: 413,
    ChecksumMismatchError: CHECKSUM_MISMATCH,
    UploadExpiredError: 410,
    InsufficientStorageError: 507,
    StorageUnavailableError: 503,
}
