"""Request bodies of the account routes: every limit of the seed schema, checked at the edge.

A violation is a 422 problem naming the field (the platform's validation handler), before any
use case runs, so nothing is written.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, ValidationInfo, field_validator

from cinemesh.contracts.ratings import MaturityRating
from cinemesh.users.household.domain import PROFILE_NAME_MAX_LENGTH, ContentType, DeviceType
from cinemesh.users.identity.domain import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH
from cinemesh.users.identity.service.accounts import TokenPair

LANGUAGE = r"^[a-z]{2}$"
PIN = r"^[0-9]{4}$"
Id = Annotated[str, Field(min_length=1, max_length=36, pattern=r"^[A-Za-z0-9-]+$")]
Password = Annotated[str, Field(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH)]
Pin = Annotated[str, Field(min_length=4, max_length=4, pattern=PIN)]


def _absolute_uri(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an absolute http(s) URL")
    return value


Uri = Annotated[str, Field(max_length=500), AfterValidator(_absolute_uri)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PatchBody(Body):
    """A partial update: absent fields stay as they are; null only where it means "clear"."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _null_only_where_meaningful(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise ValueError("may not be null")
        return value

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class Avatar(Body):
    url: Uri | None = None
    image_id: str | None = Field(None, max_length=100)


class ProfilePreferences(Body):
    language: str | None = Field(None, pattern=LANGUAGE)
    autoplay: bool | None = None
    mature_content: bool | None = None
    watch_history_included: bool | None = None


class ProfileFields(PatchBody):
    nullable: ClassVar[frozenset[str]] = frozenset({"max_maturity_rating", "avatar"})

    name: str | None = Field(None, min_length=1, max_length=PROFILE_NAME_MAX_LENGTH)
    is_kids: bool | None = None
    max_maturity_rating: MaturityRating | None = None
    preferences: ProfilePreferences | None = None
    avatar: Avatar | None = None

    def changes(self) -> dict[str, Any]:
        changes = self.model_dump(exclude_unset=True, exclude={"preferences", "avatar"})
        for name in ("preferences", "avatar"):
            if name in self.model_fields_set:
                value = getattr(self, name)
                changes[name] = value.model_dump(exclude_none=True) if value is not None else None
        return changes


class ProfileCreate(ProfileFields):
    name: str = Field(min_length=1, max_length=PROFILE_NAME_MAX_LENGTH)


class DeviceCreate(Body):
    device_type: DeviceType
    device_name: str | None = Field(None, min_length=1, max_length=100)
    manufacturer: str | None = Field(None, max_length=100)
    model: str | None = Field(None, max_length=100)
    os: str | None = Field(None, max_length=100)
    app_version: str | None = Field(None, max_length=50)
    notifications_enabled: bool = True
    offline_downloads_enabled: bool = False
    active_profile: Id | None = None
    # A durable id the app keeps for itself (a browser: in localStorage): registering again from
    # the same installation returns its device instead of adding one.
    installation_id: str | None = Field(None, min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    # Removes this device of the account in the same step (the answer to a full device list).
    replace_device_id: Id | None = None


class ListItemCreate(Body):
    content_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")
    content_type: ContentType
    profile_id: Id


class ParentalControlsBody(Body):
    enabled: bool
    max_maturity_rating: MaturityRating | None = None
    pin: Pin | None = None
    current_pin: Pin | None = None
    restricted_profiles: list[Id] = Field(default_factory=list, max_length=5)


class UnlockBody(Body):
    pin: Pin


class PreferencesPatch(PatchBody):
    language: str | None = Field(None, pattern=LANGUAGE)
    subtitle_language: str | None = Field(None, pattern=LANGUAGE)
    audio_language: str | None = Field(None, pattern=LANGUAGE)
    video_quality: str | None = Field(None, pattern=r"^(auto|low|medium|high|ultra)$")
    autoplay: bool | None = None
    autoplay_previews: bool | None = None
    mature_content: bool | None = None


class PersonalInfoPatch(PatchBody):
    nullable: ClassVar[frozenset[str]] = frozenset({"first_name", "last_name", "date_of_birth"})

    first_name: str | None = Field(None, min_length=1, max_length=50)
    last_name: str | None = Field(None, min_length=1, max_length=50)
    date_of_birth: dt.date | None = None

    @field_validator("date_of_birth")
    @classmethod
    def _in_the_past(cls, value: dt.date | None) -> dt.date | None:
        if value is not None and not dt.date(1900, 1, 1) <= value <= dt.datetime.now(dt.UTC).date():
            raise ValueError("must be a date between 1900-01-01 and today")
        return value


class PasswordChange(Body):
    current_password: str = Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)
    new_password: Password


class MailToken(Body):
    token: str = Field(min_length=16, max_length=128)


class PasswordResetRequest(Body):
    email: str = Field(min_length=3, max_length=320)


class PasswordResetConfirm(MailToken):
    new_password: Password


class StatusBody(Body):
    # Closing is what deletion does; pending_verification is not something an admin sets.
    status: str = Field(pattern=r"^(active|suspended)$")


# -- identity -------------------------------------------------------------------------------------


class RegisterRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    username: str = Field(min_length=3, max_length=30, pattern=r"^[a-zA-Z0-9_-]+$")
    password: str = Field(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH)
    country: str = Field(min_length=2, max_length=2, pattern=r"^[A-Z]{2}$")


class RegisterResponse(BaseModel):
    user_id: str


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Not re-validated: a login only looks the address up (and operator accounts may use
    # reserved domains such as .localhost that registration refuses).
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=1, max_length=512)


class TokenResponse(BaseModel):
    access_token: str
    # None when it travels in the HttpOnly cookie instead (X-Refresh-Transport: cookie).
    refresh_token: str | None
    token_type: str
    expires_in: int

    @classmethod
    def of(cls, pair: TokenPair) -> TokenResponse:
        return cls(
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            token_type=pair.token_type,
            expires_in=pair.expires_in,
        )
