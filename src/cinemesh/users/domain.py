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
