"""Devices and "my list": what an account registered and saved, each within the schema's limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.contracts.publishing import record_event
from cinemesh.contracts.users import DeviceChangedV1
from cinemesh.platform.db import Database
from cinemesh.platform.ids import new_id_str
from cinemesh.users.household import MAX_DEVICES, MAX_LIST_ITEMS, ContentType, Device, DeviceType, ListItem
from cinemesh.users.household_store import DeviceRow, HouseholdStore, ListItemRow
from cinemesh.users.limits import field_problem, limit_problem, not_found
from cinemesh.users.profile_events import SOURCE
from cinemesh.users.profiles_service import locked_account
from cinemesh.users.service import now


@dataclass(frozen=True)
class Saved:
    item: ListItem
    created: bool  # False: it was already on the list (adding is idempotent)


async def _require_own_profile(household: HouseholdStore, user_id: str, profile_id: str, field: str) -> None:
    if await household.profile(user_id, profile_id) is None:
        raise field_problem(field, "No such profile on this account.", code="unknown-profile")


class LibraryService:
    def __init__(self, *, database: Database) -> None:
        self.database = database

    async def devices(self, *, user_id: str) -> list[Device]:
        async with self.database.session() as session:
            return [row.to_device() for row in await HouseholdStore(session).devices(user_id)]

    async def add_device(self, *, user_id: str, device_type: DeviceType, fields: dict[str, Any]) -> Device:
        current = now()
        async with self.database.transaction() as session:
            await locked_account(session, user_id, current)
            household = HouseholdStore(session)
            if await household.count(DeviceRow, user_id) >= MAX_DEVICES:
                raise limit_problem("devices", MAX_DEVICES, "devices")
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
            )
            for name in ("device_name", "manufacturer", "model", "os", "app_version", "active_profile"):
                setattr(row, name, fields.get(name))
            session.add(row)
            await self._publish(session, user_id, row, "registered")
        return row.to_device()

    async def remove_device(self, *, user_id: str, device_id: str) -> None:
        current = now()
        async with self.database.transaction() as session:
            await locked_account(session, user_id, current)
            row = await HouseholdStore(session).device(user_id, device_id)
            if row is None:
                raise not_found("device")
            await session.delete(row)
            await self._publish(session, user_id, row, "removed")

    @staticmethod
    async def _publish(session: AsyncSession, user_id: str, row: DeviceRow, change: str) -> None:
        event = DeviceChangedV1(
            user_id=user_id, device_id=row.id, change=change, device_type=row.device_type, changed_at=now()
        )
        await record_event(session, event, source=SOURCE)

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
                raise limit_problem("my_list", MAX_LIST_ITEMS, "items on its list")
            row = ListItemRow(
                user_id=user_id,
                profile_id=profile_id,
                content_id=content_id,
                content_type=content_type.value,
                added_date=current,
            )
            session.add(row)
        return Saved(row.to_item(), created=True)

    async def unsave(self, *, user_id: str, content_id: str, profile_id: str | None) -> None:
        """Removes the title from one profile's list, or from every profile's without `profile_id`."""
        async with self.database.transaction() as session:
            await locked_account(session, user_id, now())
            if await HouseholdStore(session).remove_list_items(user_id, content_id, profile_id) == 0:
                raise not_found("list item")
