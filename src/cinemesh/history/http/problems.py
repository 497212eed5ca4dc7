"""The one table from viewing history's domain errors to HTTP statuses."""

from __future__ import annotations

from cinemesh.platform.errors import DEFAULT_ERROR_STATUSES, ErrorStatuses

# The platform's families (not found 404, rule violation 422, ...) cover every history error.
ERROR_STATUSES: ErrorStatuses = {**DEFAULT_ERROR_STATUSES}
