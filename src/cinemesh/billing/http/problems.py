"""The one table from billing's domain errors to HTTP statuses (the platform's defaults map the
not-found, conflict and rule families)."""

from __future__ import annotations

from cinemesh.billing.domain.errors import AuthenticationRequired, PaymentDeclined, RefundRefused
from cinemesh.billing.domain.webhooks import BadSignature
from cinemesh.platform.errors import ErrorStatuses

ERROR_STATUSES: ErrorStatuses = {
    PaymentDeclined: 402,
    AuthenticationRequired: 402,
    RefundRefused: 502,
    BadSignature: 400,
}
