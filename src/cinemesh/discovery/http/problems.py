"""The one table from discovery's domain errors to HTTP statuses."""

from __future__ import annotations

from cinemesh.discovery.service import AuthenticationRequiredError
from cinemesh.platform.errors import DEFAULT_ERROR_STATUSES, ErrorStatuses

# The platform's families (not found 404, rule violation 422) cover the rest.
ERROR_STATUSES: ErrorStatuses = {**DEFAULT_ERROR_STATUSES, AuthenticationRequiredError: 401}
