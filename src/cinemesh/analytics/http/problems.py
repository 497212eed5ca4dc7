"""The one table from analytics' domain errors to HTTP statuses."""

from __future__ import annotations

from cinemesh.analytics.domain import BatchTooLargeError
from cinemesh.platform.errors import DEFAULT_ERROR_STATUSES, ErrorStatuses

# Malformed beacons are 422 and another account's session 403 (the platform's families).
ERROR_STATUSES: ErrorStatuses = {**DEFAULT_ERROR_STATUSES, BatchTooLargeError: 413}
