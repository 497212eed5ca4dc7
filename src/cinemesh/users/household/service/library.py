"""Devices and "my list": what an account registered and saved, each within the schema's limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.platform.db import Database
from cinemesh.platform.ids import new_id_str
from cinemesh.users.household.domain import (
    MAX_DEVICES,
    MAX_LIST_ITEMS,
    ContentType,
    Device,
    DeviceLimitReached,
    DeviceNotFound,
    DeviceType,
    ListItem,
    ListItemNotFound,
    MyListLimit,
    UnknownDevice,
    UnknownProfile,
    distinct_name,
    least_recently_used,
)
from cinemesh.users.household.publishing import publish_device_change, publish_my_list_change
from cinemesh.users.household.service.profiles import locked_account
from cinemesh.users.household.store.tables import DeviceRow, HouseholdStore, ListItemRow
from cinemesh.users.identity.service.accounts import now


@dataclass(frozen=True)
class Registered:
    device: Device
    created: bool  # False: the installation's device, registered before (registering is idempotent)


@dataclass(frozen=True)
class Saved:
    item: ListItem
    created: bool  # False: it was already on the list (adding is idempotent)


async def _require_own_profile(household: HouseholdStore, user_id: str, profile_id: str, field: str) -> None:
    if await household.profile(user_id, profile_id) is None:
        raise UnknownProfile(field, "No such profile on this account.")


class LibraryService:
    def __init__(self, *, database: Database) -> None:
        self.database = database

    async def devices(self, *, user_id: str) -> list[Device]:
        async with self.database.session() as session:
            return [row.to_device() for row in await HouseholdStore(session).devices(user_id)]

    async def device(self, *, user_id: str, device_id: str) -> Device:
        async with self.database.session() as session:
            row = await HouseholdStore(session).device(user_id, device_id)
        if row is None:
            raise DeviceNotFound()
        return row.to_device()

    async def add_device(
        self,
        *,
        user_id: str,
        device_type: DeviceType,
        fields: dict[str, Any],
        installation_id: str | None = None,
        replace_device_id: str | None = None,
    ) -> Registered:
        """Registers a device, or - for an installation that registered one already - marks that
        one used now and returns it. `replace_device_id` removes that device in the same
        transaction, so a full account swaps a device in one step."""
        current = now()
        async with self.database.transaction() as session:
            await locked_account(session, user_id, current)
            household = HouseholdStore(session)
            if installation_id is not None:
                existing = await household.device_of_installation(user_id, installation_id)
                if existing is not None:
                    existing.last_active = current
                    for name in ("os", "app_version"):
                        if fields.get(name) is not None:
                            setattr(existing, name, fields[name])
                    return Registered(existing.to_device(), created=False)
            rows = await household.devices(user_id)
            if replace_device_id is not None:
                replaced = next((row for row in rows if row.id == replace_device_id), None)
                if replaced is None:
                    raise UnknownDevice("replace_device_id", "No such device on this account.")
                await session.delete(replaced)
                await self._publish(session, user_id, replaced, "removed")
                rows.remove(replaced)
            if len(rows) >= MAX_DEVICES:
                oldest = least_recently_used([row.to_device() for row in rows])
                assert oldest is not None
                raise DeviceLimitReached(oldest)
            if fields.get("active_profile") is not None:
                await _require_own_profile(household, user_id, fields["active_profile"], "active_profile")
            row = DeviceRow(
                id=new_id_str(),
                user_id=user_id,
                device_type=device_type.value,
                first_registered=current,
                last_active=current,
                notifications_enabled=fields.get("notifications_enabled", True),
                offline_downloads_enabled=fields.get("offline_downloads_enabled", False),
                installation_id=installation_id,
            )
            for name in ("manufacturer", "model", "os", "app_version", "active_profile"):
                setattr(row, name, fields.get(name))
            row.device_name = distinct_name(fields.get("device_name"), (other.device_name for other in rows))
            session.add(row)
            await self._publish(session, user_id, row, "registered")
        return Registered(row.to_device(), created=True)

    async def remove_device(self, *, user_id: str, device_id: str) -> None:
        current = now()
        async with self.database.transaction() as session:
            await locked_account(session, user_id, current)
            row = await HouseholdStore(session).device(user_id, device_id)
            if row is None:
                raise DeviceNotFound()
            await session.delete(row)
            await self._publish(session, user_id, row, "removed")

    @staticmethod
    async def _publish(session: AsyncSession, user_id: str, row: DeviceRow, change: str) -> None:
        await publish_device_change(
            session, user_id=user_id, device_id=row.id, device_type=row.device_type, change=change, at=now()
        )

    async def my_list(self, *, user_id: str, profile_id: str | None) -> list[ListItem]:
        async with self.database.session() as session:
            rows = await HouseholdStore(session).list_items(user_id, profile_id)
        return [row.to_item() for row in rows]

    async def save(
        self, *, user_id: str, content_id: str, content_type: ContentType, profile_id: str
    ) -> Saved:
        current = now()
        async with self.database.transaction() as session:
            await locked_account(session, user_id, current)
            household = HouseholdStore(session)
            await _require_own_profile(household, user_id, profile_id, "profile_id")
            existing = await household.list_item(user_id, profile_id, content_id)
            if existing is not None:
                return Saved(existing.to_item(), created=False)
            if await household.count(ListItemRow, user_id) >= MAX_LIST_ITEMS:
                raise MyListLimit()
            row = ListItemRow(
                user_id=user_id,
                profile_id=profile_id,
                content_id=content_id,
                content_type=content_type.value,
                added_date=current,
            )
            session.add(row)
            await publish_my_list_change(
                session,
                user_id=user_id,
                profile_id=profile_id,
                content_id=content_id,
                change="added",
                at=current,
            )
        return Saved(row.to_item(), created=True)

    async def unsave(self, *, user_id: str, content_id: str, profile_id: str | None) -> None:
        """Removes the title from one profile's list, or from every profile's without `profile_id`."""
        current = now()
        async with self.database.transaction() as session:
            await locked_account(session, user_id, current)
            if await HouseholdStore(session).remove_list_items(user_id, content_id, profile_id) == 0:
                raise ListItemNotFound()
            await publish_my_list_change(
                session,
                user_id=user_id,
                profile_id=profile_id,
                content_id=content_id,
                change="removed",
                at=current,
            )
