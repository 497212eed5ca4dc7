"""The users service's own tables and the queries on them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, LargeBinary, String, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from cinemesh.users.domain import Account, AccountStatus


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

    def to_account(self) -> Account:
        return Account(
            user_id=self.id,
            email=self.email,
            username=self.username,
            country=self.country,
            roles=list(self.roles),
            status=AccountStatus(self.status),
            created_at=_utc(self.created_at),
            updated_at=_utc(self.updated_at),
            email_verified=self.email_verified,
            email_verified_at=_utc_or_none(self.email_verified_at),
            last_login_at=_utc_or_none(self.last_login_at),
            last_password_change_at=_utc_or_none(self.last_password_change_at),
            first_name=self.first_name,
            last_name=self.last_name,
            date_of_birth=self.date_of_birth,
            preferences=dict(self.preferences),
            subscription=dict(self.subscription),
        )


class SigningKeyRow(Base):
    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(36), primary_key=True)
    private_key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime]
    retired_at: Mapped[dt.datetime | None]


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


def _utc(value: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; everything we store is UTC.
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _utc_or_none(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else _utc(value)


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
