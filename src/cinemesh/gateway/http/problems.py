"""The one table from the gateway's domain errors to HTTP statuses.

The proxy's own answers (401, 404 no route, 429, 502, 503, 504) are HTTP by nature and are
written by the proxy itself (`http/proxy/`).
"""

from __future__ import annotations

from cinemesh.platform.errors import DEFAULT_ERROR_STATUSES, ErrorStatuses

# ProfileNotFoundError is a NotFoundError: 404 from the platform's families.
ERROR_STATUSES: ErrorStatuses = {**DEFAULT_ERROR_STATUSES}
