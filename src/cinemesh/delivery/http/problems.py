"""The one table from delivery's domain errors to HTTP statuses (the platform's defaults map the
not-found 404, conflict 409 and forbidden 403 families every other refusal belongs to)."""

from __future__ import annotations

from cinemesh.delivery.domain import LicenseRequestInvalid
from cinemesh.platform.errors import ErrorStatuses

ERROR_STATUSES: ErrorStatuses = {
    LicenseRequestInvalid: 400,  # a malformed licence request from the CDM
}
