"""Accounts, their rules and what identity refuses. No I/O here."""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from cinemesh.platform.errors import ConflictError, DomainError, FieldAtTop, ForbiddenError, NotFoundError

USERNAME_PATTERN = re.compile(r"^[a-zA-Z0-9_-]{3,30}$")
COUNTRY_PATTERN = re.compile(r"^[A-Z]{2}$")
PASSWORD_MIN_LENGTH = 8
# argon2 hashes any length, but a megabyte password is a denial-of-service, not a password.
PASSWORD_MAX_LENGTH = 256


class Role(enum.StrEnum):
    VIEWER = "viewer"
    CONTENT_PROVIDER = "content_provider"
    ADMIN = "admin"


class AccountStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"
    PENDING_VERIFICATION = "pending_verification"


DEFAULT_PREFERENCES: dict[str, Any] = {
    "language": "en",
    "subtitle_language": "en",
    "audio_language": "en",
    "video_quality": "auto",
    "autoplay": True,
    "autoplay_previews": True,
    "mature_content": False,
    "parental_controls": {"enabled": False},
}

DEFAULT_SUBSCRIPTION: dict[str, Any] = {"tier": "basic", "status": "active", "auto_renew": True}


@dataclass
class Account:
    user_id: str
    email: str
    username: str
    country: str
    roles: list[str]
    status: AccountStatus
    created_at: dt.datetime
    updated_at: dt.datetime
    email_verified: bool = False
    email_verified_at: dt.datetime | None = None
    last_login_at: dt.datetime | None = None
    last_password_change_at: dt.datetime | None = None
    first_name: str | None = None
    last_name: str | None = None
    date_of_birth: dt.date | None = None
    preferences: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_PREFERENCES))
    subscription: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_SUBSCRIPTION))

    def can_log_in(self) -> bool:
        return self.status in (AccountStatus.ACTIVE, AccountStatus.PENDING_VERIFICATION)


# -- what identity's rules refuse (mapped to HTTP statuses in users/http/problems.py) -----------

_BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="cinemesh"'}


class Unauthenticated(DomainError):
    """The caller's proof (password, token, provider sign-in) is not good: 401."""

    code = "unauthenticated"


class InvalidCredentials(Unauthenticated):
    code = "invalid-credentials"


class InvalidRefreshToken(Unauthenticated):
    code = "invalid-refresh-token"


class RefreshTokenReused(Unauthenticated):
    code = "refresh-token-reused"


class TokenRevoked(Unauthenticated):
    """A verified access token that outlived its account or its session."""

    code = "invalid-token"

    def __init__(
        self, detail: str = "Invalid access token: the account no longer exists or its sessions were ended."
    ) -> None:
        super().__init__(detail, headers=dict(_BEARER_CHALLENGE))


class AccountGone(TokenRevoked):
    """The caller's account was erased while its token still verifies."""

    def __init__(self) -> None:
        super().__init__("Invalid access token: the account no longer exists.")


class OidcFailed(Unauthenticated):
    code = "oidc-failed"


class TooManyAttempts(DomainError):
    """429 with Retry-After: a lockout after failures, or a throttle."""

    code = "too-many-attempts"

    def __init__(self, detail: str, *, retry_after: int, **extensions: Any) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)}, **extensions)


class Lockout(TooManyAttempts):
    """Too many failures of `what` (a password, a PIN): locked until a time the body says too."""

    what: ClassVar[str] = "login"

    def __init__(self, *, until: dt.datetime, current: dt.datetime) -> None:
        retry_after = max(1, int((until - current).total_seconds()) + 1)
        detail = f"Too many failed {self.what} attempts; try again in {retry_after} seconds."
        super().__init__(detail, retry_after=retry_after)
        self.extensions["retry_after"] = retry_after


class LoginLocked(Lockout):
    code = "login-locked"


class LoginThrottled(TooManyAttempts):
    code = "login-throttled"


class ResetThrottled(TooManyAttempts):
    code = "password-reset-throttled"


class AccountTaken(ConflictError):
    code = "account-taken"


class EmailTaken(FieldAtTop, AccountTaken):
    code = "email-taken"


class UsernameTaken(FieldAtTop, AccountTaken):
    code = "username-taken"


class AccountInactive(ForbiddenError):
    code = "account-inactive"

    def __init__(self) -> None:
        super().__init__("This account is not active.")


class AccountNotFound(NotFoundError):
    code = "account-not-found"

    def __init__(self) -> None:
        super().__init__("No such account.")


class WrongPassword(FieldAtTop, ForbiddenError):
    """The current password, asked again before it is changed."""

    code = "invalid-credentials"


class InvalidMailToken(FieldAtTop):
    """A mailed link's token that is unknown, expired or spent: 400."""

    code = "invalid-mail-token"

    def __init__(self) -> None:
        super().__init__("This link is invalid, expired or already used.", field="token")


class OidcProviderUnknown(NotFoundError):
    code = "oidc-provider-unknown"


class OidcUnavailable(DomainError):
    """The identity provider did not answer: 502."""

    code = "oidc-unavailable"


class OidcEmailMissing(ForbiddenError):
    code = "oidc-email-missing"


class OidcEmailUnverified(ForbiddenError):
    code = "oidc-email-unverified"
