"""The one table from the catalog's domain errors to HTTP statuses."""

from __future__ import annotations

from cinemesh.catalog.domain.errors import ImageTooLargeError, UnsupportedImageTypeError
from cinemesh.platform.errors import DEFAULT_ERROR_STATUSES, ErrorStatuses

# The platform's families (not found 404, conflict 409, rule violation 422) cover the rest.
ERROR_STATUSES: ErrorStatuses = {
    **DEFAULT_ERROR_STATUSES,
    UnsupportedImageTypeError: 415,
    ImageTooLargeError: 413,
}
