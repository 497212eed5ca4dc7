"""Tables and queries of the household: profiles, devices, my list, parental controls."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from cinemesh.contracts.ratings import MaturityRating
from cinemesh.users.household.domain import (
    ContentType,
    Device,
    DeviceType,
    ListItem,
    ParentalControls,
    Profile,
)
from cinemesh.users.identity.store import Base, utc, utc_or_none


def rating(value: str | None) -> MaturityRating | None:
    return None if value is None else MaturityRating(value)


class ProfileRow(Base):
    __tablename__ = "profiles"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(15))
    is_kids: Mapped[bool] = mapped_column(Boolean)
    is_main: Mapped[bool] = mapped_column(Boolean)
    max_maturity_rating: Mapped[str | None] = mapped_column(String(8))
    preferences: Mapped[dict[str, Any]]
    avatar: Mapped[dict[str, Any] | None]
    created_at: Mapped[dt.datetime]
    last_accessed: Mapped[dt.datetime | None]

    def to_profile(self) -> Profile:
        return profile_of(self)


class DeviceRow(Base):
    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    device_type: Mapped[str] = mapped_column(String(16))
    device_name: Mapped[str | None] = mapped_column(String(100))
    manufacturer: Mapped[str | None] = mapped_column(String(100))
    model: Mapped[str | None] = mapped_column(String(100))
    os: Mapped[str | None] = mapped_column(String(100))
    app_version: Mapped[str | None] = mapped_column(String(50))
    first_registered: Mapped[dt.datetime]
    last_active: Mapped[dt.datetime | None]
    notifications_enabled: Mapped[bool] = mapped_column(Boolean)
    offline_downloads_enabled: Mapped[bool] = mapped_column(Boolean)
    active_profile: Mapped[str | None] = mapped_column(String(36))
    # The app installation (a browser's durable id) that registered it: signing in again from it
    # reuses this device. Not in the account document: it only matters to that installation.
    installation_id: Mapped[str | None] = mapped_column(String(64))

    def to_device(self) -> Device:
        return device_of(self)


class ListItemRow(Base):
    __tablename__ = "list_items"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    profile_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    content_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(16))
    added_date: Mapped[dt.datetime]

    def to_item(self) -> ListItem:
        return item_of(self)


class ParentalControlsRow(Base):
    __tablename__ = "parental_controls"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    max_maturity_rating: Mapped[str | None] = mapped_column(String(8))
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    restricted_profiles: Mapped[list[str]]
    failed_pins: Mapped[int] = mapped_column(Integer, default=0)
    pin_locked_until: Mapped[dt.datetime | None]

    def to_controls(self) -> ParentalControls:
        return controls_of(self)


# Rows to the domain: for the mapped rows and for the account document's one statement
# (store/snapshot.py), whose rows carry the same names.


def profile_of(row: ProfileRow | SimpleNamespace) -> Profile:
    return Profile(
        profile_id=row.id,
        name=row.name,
        is_kids=row.is_kids,
        is_main=row.is_main,
        max_maturity_rating=rating(row.max_maturity_rating),
        preferences=dict(row.preferences),
        avatar=dict(row.avatar) if row.avatar else None,
        last_accessed=utc_or_none(row.last_accessed),
    )


def device_of(row: DeviceRow | SimpleNamespace) -> Device:
    return Device(
        device_id=row.id,
        device_type=DeviceType(row.device_type),
        first_registered=utc(row.first_registered),
        device_name=row.device_name,
        manufacturer=row.manufacturer,
        model=row.model,
        os=row.os,
        app_version=row.app_version,
        last_active=utc_or_none(row.last_active),
        notifications_enabled=row.notifications_enabled,
        offline_downloads_enabled=row.offline_downloads_enabled,
        active_profile=row.active_profile,
    )


def item_of(row: ListItemRow | SimpleNamespace) -> ListItem:
    return ListItem(
        content_id=row.content_id,
        content_type=ContentType(row.content_type),
        profile_id=row.profile_id,
        added_date=utc(row.added_date),
    )


def controls_of(row: ParentalControlsRow | SimpleNamespace) -> ParentalControls:
    return ParentalControls(
        enabled=row.enabled,
        max_maturity_rating=rating(row.max_maturity_rating),
        has_pin=row.pin_hash is not None,
        restricted_profiles=list(row.restricted_profiles),
    )


# The household's lists, built once with a bound `user_id` (building a statement and its cache
# key per call cost more CPU than SQLite running it); the account document reads them all at
# once (snapshot.py).
_PROFILES = (
    select(ProfileRow)
    .where(ProfileRow.user_id == bindparam("user_id"))
    .order_by(ProfileRow.is_main.desc(), ProfileRow.created_at, ProfileRow.id)
)
_DEVICES = (
    select(DeviceRow).where(DeviceRow.user_id == bindparam("user_id")).order_by(DeviceRow.first_registered)
)
_LIST_ITEMS = (
    select(ListItemRow)
    .where(ListItemRow.user_id == bindparam("user_id"))
    .order_by(ListItemRow.added_date.desc(), ListItemRow.content_id)
)
_CONTROLS = select(ParentalControlsRow).where(ParentalControlsRow.user_id == bindparam("user_id"))


class HouseholdStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def profiles(self, user_id: str) -> list[ProfileRow]:
        return list(await self.session.scalars(_PROFILES, {"user_id": user_id}))

    async def profile(self, user_id: str, profile_id: str) -> ProfileRow | None:
        """The profile only if it belongs to `user_id`: another account's id reads as absent."""
        return await self.session.scalar(
            select(ProfileRow).where(ProfileRow.id == profile_id, ProfileRow.user_id == user_id)
        )

    async def devices(self, user_id: str) -> list[DeviceRow]:
        return list(await self.session.scalars(_DEVICES, {"user_id": user_id}))

    async def device(self, user_id: str, device_id: str) -> DeviceRow | None:
        return await self.session.scalar(
            select(DeviceRow).where(DeviceRow.id == device_id, DeviceRow.user_id == user_id)
        )

    async def device_of_installation(self, user_id: str, installation_id: str) -> DeviceRow | None:
        return await self.session.scalar(
            select(DeviceRow).where(
                DeviceRow.user_id == user_id, DeviceRow.installation_id == installation_id
            )
        )

    async def count(self, table: type[DeviceRow] | type[ListItemRow] | type[ProfileRow], user_id: str) -> int:
        total = await self.session.scalar(
            select(func.count()).select_from(table).where(table.user_id == user_id)
        )
        return int(total or 0)

    async def list_items(self, user_id: str, profile_id: str | None = None) -> list[ListItemRow]:
        query = _LIST_ITEMS if profile_id is None else _LIST_ITEMS.where(ListItemRow.profile_id == profile_id)
        return list(await self.session.scalars(query, {"user_id": user_id}))

    async def list_item(self, user_id: str, profile_id: str, content_id: str) -> ListItemRow | None:
        return await self.session.get(ListItemRow, (user_id, profile_id, content_id))

    async def remove_list_items(self, user_id: str, content_id: str, profile_id: str | None) -> int:
        query = delete(ListItemRow).where(
            ListItemRow.user_id == user_id, ListItemRow.content_id == content_id
        )
        if profile_id is not None:
            query = query.where(ListItemRow.profile_id == profile_id)
        result = await self.session.execute(query)
        return int(getattr(result, "rowcount", 0) or 0)

    async def remove_profile_items(self, user_id: str, profile_id: str) -> None:
        await self.session.execute(
            delete(ListItemRow).where(ListItemRow.user_id == user_id, ListItemRow.profile_id == profile_id)
        )

    async def parental_controls(self, user_id: str) -> ParentalControlsRow | None:
        return await self.session.scalar(_CONTROLS, {"user_id": user_id})

    async def record_pin_failure(self, user_id: str, *, max_failures: int, locked_until: dt.datetime) -> bool:
        """Counts a wrong PIN in one statement; True when this failure locked the PIN."""
        count = await self.session.scalar(
            update(ParentalControlsRow)
            .where(ParentalControlsRow.user_id == user_id)
            .values(failed_pins=ParentalControlsRow.failed_pins + 1)
            .returning(ParentalControlsRow.failed_pins)
        )
        if count is None or count < max_failures:
            return False
        await self.session.execute(
            update(ParentalControlsRow)
            .where(ParentalControlsRow.user_id == user_id)
            .values(failed_pins=0, pin_locked_until=locked_until)
        )
        return True

    async def clear_pin_failures(self, user_id: str) -> None:
        await self.session.execute(
            update(ParentalControlsRow)
            .where(ParentalControlsRow.user_id == user_id)
            .values(failed_pins=0, pin_locked_until=None)
        )

    async def forget_profile(self, user_id: str, profile_id: str) -> None:
        """Removes what pointed at a deleted profile: its list items, device links, restriction."""
        await self.remove_profile_items(user_id, profile_id)
        await self.session.execute(
            update(DeviceRow)
            .where(DeviceRow.user_id == user_id, DeviceRow.active_profile == profile_id)
            .values(active_profile=None)
        )
        controls = await self.parental_controls(user_id)
        if controls is not None and profile_id in controls.restricted_profiles:
            controls.restricted_profiles = [p for p in controls.restricted_profiles if p != profile_id]
