"""The one table from the users service's domain errors to HTTP statuses."""

from __future__ import annotations

from cinemesh.platform.errors import DEFAULT_ERROR_STATUSES, ErrorStatuses
from cinemesh.users.identity.domain import InvalidMailToken, OidcUnavailable, TooManyAttempts, Unauthenticated

# Beyond the platform's families (not found 404, conflict 409, rule violation 422, forbidden 403):
ERROR_STATUSES: ErrorStatuses = {
    **DEFAULT_ERROR_STATUSES,
    Unauthenticated: 401,  # wrong password, refused or revoked tokens, a failed social login
    InvalidMailToken: 400,
    TooManyAttempts: 429,  # lockouts and throttles, with Retry-After
    OidcUnavailable: 502,
}
