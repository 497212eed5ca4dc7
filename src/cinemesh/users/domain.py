"""Accounts and their rules. No I/O here."""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass, field
from typing import Any

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


def _timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def account_document(account: Account) -> dict[str, Any]:
    """The account as the seed's "User Profile" JSON Schema describes it."""
    personal_info: dict[str, Any] = {"country": account.country}
    if account.first_name:
        personal_info["first_name"] = account.first_name
    if account.last_name:
        personal_info["last_name"] = account.last_name
    if account.date_of_birth:
        personal_info["date_of_birth"] = account.date_of_birth.isoformat()
    metadata: dict[str, Any] = {
        "created_at": _timestamp(account.created_at),
        "updated_at": _timestamp(account.updated_at),
        "email_verified": account.email_verified,
        "account_status": account.status.value,
    }
    if account.last_login_at:
        metadata["last_login"] = _timestamp(account.last_login_at)
    if account.last_password_change_at:
        metadata["last_password_change"] = _timestamp(account.last_password_change_at)
    if account.email_verified_at:
        metadata["email_verification_date"] = _timestamp(account.email_verified_at)
    return {
        "user_id": account.user_id,
        "username": account.username,
        "email": account.email,
        "roles": sorted(account.roles),
        "personal_info": personal_info,
        "subscription": account.subscription,
        "preferences": account.preferences,
        "account_metadata": metadata,
    }
