"""The users service's own tables and the queries on them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    bindparam,
    exists,
    select,
    update,
)
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from cinemesh.users.identity.domain import Account, AccountStatus


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: DateTime(timezone=True), dict[str, Any]: JSON, list[str]: JSON}


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    username: Mapped[str] = mapped_column(String(30), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    country: Mapped[str] = mapped_column(String(2))
    roles: Mapped[list[str]]
    status: Mapped[str] = mapped_column(String(32))
    email_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    email_verified_at: Mapped[dt.datetime | None]
    first_name: Mapped[str | None] = mapped_column(String(50))
    last_name: Mapped[str | None] = mapped_column(String(50))
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date)
    preferences: Mapped[dict[str, Any]]
    subscription: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    last_login_at: Mapped[dt.datetime | None]
    last_password_change_at: Mapped[dt.datetime | None]
    # Carried by every access token ("sgen"); raising it refuses every token issued before
    # (password change, reset): exact, where an `iat` cut-off has one-second granularity.
    session_generation: Mapped[int] = mapped_column(Integer, default=0)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None]

    def to_account(self) -> Account:
        return account_of(self)


class SigningKeyRow(Base):
    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(36), primary_key=True)
    private_key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime]
    retired_at: Mapped[dt.datetime | None]
    # Published from creation, signs from `activates_at`, unpublished from `retire_at`.
    activates_at: Mapped[dt.datetime | None]
    retire_at: Mapped[dt.datetime | None]


class RefreshTokenRow(Base):
    """One refresh token; `family_id` ties together every token rotated from one login."""

    __tablename__ = "refresh_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    family_id: Mapped[str] = mapped_column(String(36), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]


class MailTokenRow(Base):
    """A single-use secret mailed to the user (email verification, password reset); stored hashed."""

    __tablename__ = "mail_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    email: Mapped[str] = mapped_column(String(320))
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]


class OidcIdentityRow(Base):
    """An account at an OpenID provider (`sub` is stable per provider) linked to one of ours."""

    __tablename__ = "oidc_identities"

    provider: Mapped[str] = mapped_column(String(50), primary_key=True)
    subject: Mapped[str] = mapped_column(String(255), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    linked_at: Mapped[dt.datetime]


def utc(value: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; everything we store is UTC.
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def utc_or_none(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else utc(value)


def account_of(row: UserRow | Row[*tuple[Any, ...]]) -> Account:
    """The account of a users row, mapped (`UserRow`) or read by a core statement."""
    return Account(
        user_id=row.id,
        email=row.email,
        username=row.username,
        country=row.country,
        roles=list(row.roles),
        status=AccountStatus(row.status),
        created_at=utc(row.created_at),
        updated_at=utc(row.updated_at),
        email_verified=row.email_verified,
        email_verified_at=utc_or_none(row.email_verified_at),
        last_login_at=utc_or_none(row.last_login_at),
        last_password_change_at=utc_or_none(row.last_password_change_at),
        first_name=row.first_name,
        last_name=row.last_name,
        date_of_birth=row.date_of_birth,
        preferences=dict(row.preferences),
        subscription=dict(row.subscription),
    )


@dataclass(frozen=True)
class TokenCheck:
    """What a signed-in request is checked against: the account, its session generation, and
    whether the token's own session (refresh-token family) was ended."""

    account: Account
    session_generation: int
    session_ended: bool


# Every signed-in request to the users service reads this: one core statement, built once
# (building it per call cost more than running it; mapping ORM objects cost more than both).
_USERS = UserRow.__table__
_ACCOUNT_AND_SESSION_ENDED = select(
    *_USERS.columns,
    exists()
    .where(RefreshTokenRow.family_id == bindparam("session_id"), RefreshTokenRow.revoked_at.is_not(None))
    .label("session_ended"),
).where(_USERS.c.id == bindparam("user_id"))
_ACCOUNT = select(*_USERS.columns).where(_USERS.c.id == bindparam("user_id"))


async def token_check(connection: AsyncConnection, user_id: str, session_id: str | None) -> TokenCheck | None:
    """The account behind a token and whether its session ended (logout, a reused refresh token);
    None when the account does not exist."""
    found = (
        await connection.execute(_ACCOUNT_AND_SESSION_ENDED, {"user_id": user_id, "session_id": session_id})
    ).first()
    if found is None:
        return None
    return TokenCheck(account_of(found), found.session_generation, bool(found.session_ended))


async def account_by_id(connection: AsyncConnection, user_id: str) -> Account | None:
    found = (await connection.execute(_ACCOUNT, {"user_id": user_id})).first()
    return None if found is None else account_of(found)


class UserStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_id(self, user_id: str) -> UserRow | None:
        return await self.session.get(UserRow, user_id)

    async def by_email(self, email: str) -> UserRow | None:
        return await self.session.scalar(select(UserRow).where(UserRow.email == email.lower()))

    async def email_or_username_taken(self, email: str, username: str) -> str | None:
        row = await self.session.scalar(
            select(UserRow).where((UserRow.email == email.lower()) | (UserRow.username == username))
        )
        if row is None:
            return None
        return "email" if row.email == email.lower() else "username"

    def add(self, row: UserRow) -> None:
        self.session.add(row)

    async def any_admin(self) -> bool:
        rows = await self.session.scalars(select(UserRow.roles))
        return any("admin" in roles for roles in rows)

    async def lock_account(self, user_id: str, *, now: dt.datetime) -> UserRow | None:
        """Takes the account's write lock before reading what a limit is checked against.

        An UPDATE first: PostgreSQL locks the row, SQLite takes its write lock, so two concurrent
        requests cannot both see 4 profiles and both add a fifth."""
        await self.session.execute(update(UserRow).where(UserRow.id == user_id).values(updated_at=now))
        return await self.session.get(UserRow, user_id, populate_existing=True)

    async def record_login_failure(
        self, user_id: str, *, max_failures: int, locked_until: dt.datetime
    ) -> None:
        """Counts a failed login in one statement (no read-then-write race); the last one allowed
        locks the account until `locked_until` and starts the count again."""
        count = await self.session.scalar(
            update(UserRow)
            .where(UserRow.id == user_id)
            .values(failed_logins=UserRow.failed_logins + 1)
            .returning(UserRow.failed_logins)
        )
        if count is not None and count >= max_failures:
            await self.session.execute(
                update(UserRow)
                .where(UserRow.id == user_id)
                .values(failed_logins=0, locked_until=locked_until)
            )

    async def record_login_success(self, user_id: str, *, now: dt.datetime) -> UserRow | None:
        await self.session.execute(
            update(UserRow)
            .where(UserRow.id == user_id)
            .values(failed_logins=0, locked_until=None, last_login_at=now)
        )
        return await self.session.get(UserRow, user_id, populate_existing=True)

    async def revoke_all_refresh_tokens(self, user_id: str, *, now: dt.datetime) -> None:
        await self.session.execute(
            update(RefreshTokenRow)
            .where(RefreshTokenRow.user_id == user_id, RefreshTokenRow.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    async def sessions(self, user_id: str) -> list[RefreshTokenRow]:
        rows = await self.session.scalars(
            select(RefreshTokenRow)
            .where(RefreshTokenRow.user_id == user_id)
            .order_by(RefreshTokenRow.created_at)
        )
        return list(rows)

    async def mail_token(self, token_hash: str) -> MailTokenRow | None:
        return await self.session.get(MailTokenRow, token_hash, with_for_update=True)

    async def spend_mail_tokens(self, user_id: str, purpose: str, *, now: dt.datetime) -> None:
        """Ends every outstanding link of `purpose` for the account (marked used)."""
        await self.session.execute(
            update(MailTokenRow)
            .where(
                MailTokenRow.user_id == user_id,
                MailTokenRow.purpose == purpose,
                MailTokenRow.used_at.is_(None),
            )
            .values(used_at=now)
        )

    async def oidc_identity(self, provider: str, subject: str) -> OidcIdentityRow | None:
        return await self.session.get(OidcIdentityRow, (provider, subject))

    async def oidc_identities(self, user_id: str) -> list[OidcIdentityRow]:
        rows = await self.session.scalars(select(OidcIdentityRow).where(OidcIdentityRow.user_id == user_id))
        return list(rows)

    async def active_signing_keys(self) -> list[SigningKeyRow]:
        rows = await self.session.scalars(
            select(SigningKeyRow)
            .where(SigningKeyRow.retired_at.is_(None))
            .order_by(SigningKeyRow.created_at.desc())
        )
        return list(rows)

    async def refresh_token(self, token_hash: str) -> RefreshTokenRow | None:
        return await self.session.get(RefreshTokenRow, token_hash, with_for_update=True)

    async def revoke_family(self, family_id: str, *, now: dt.datetime) -> None:
        await self.session.execute(
            update(RefreshTokenRow)
            .where(RefreshTokenRow.family_id == family_id, RefreshTokenRow.revoked_at.is_(None))
            .values(revoked_at=now)
        )
