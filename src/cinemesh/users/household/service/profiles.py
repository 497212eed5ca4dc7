"""Profiles, parental controls and profile unlock (the PIN)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.contracts.ratings import MaturityRating
from cinemesh.platform.db import Database
from cinemesh.platform.ids import new_id_str
from cinemesh.users.household.domain import (
    MAX_PROFILES,
    MainProfileKept,
    ParentalControls,
    PinIncorrect,
    PinLocked,
    PinNotSet,
    PinRequired,
    Profile,
    ProfileNotFound,
    ProfilesLimit,
    UnknownProfile,
)
from cinemesh.users.household.publishing import publish_profile_change, publish_profiles
from cinemesh.users.household.store.tables import HouseholdStore, ParentalControlsRow, ProfileRow
from cinemesh.users.identity.domain import AccountGone
from cinemesh.users.identity.keys import KeyRing
from cinemesh.users.identity.passwords import PasswordHashing
from cinemesh.users.identity.service.accounts import now
from cinemesh.users.identity.store import UserStore, utc
from cinemesh.users.settings import UsersSettings

UNLOCK_TOKEN_USE = "profile-unlock"  # noqa: S105 - a token purpose, not a secret
_PROFILE_FIELDS = ("name", "is_kids", "max_maturity_rating", "preferences", "avatar")


@dataclass(frozen=True)
class UnlockToken:
    token: str
    expires_in: int


async def locked_account(session: AsyncSession, user_id: str, current: dt.datetime) -> None:
    if await UserStore(session).lock_account(user_id, now=current) is None:
        raise AccountGone()


async def _owned_profile(
    session: AsyncSession, user_id: str, profile_id: str, current: dt.datetime
) -> tuple[HouseholdStore, ProfileRow]:
    """The account locked for writing and its profile; another account's profile is a 404."""
    await locked_account(session, user_id, current)
    household = HouseholdStore(session)
    row = await household.profile(user_id, profile_id)
    if row is None:
        raise ProfileNotFound()
    return household, row


async def load_controls(household: HouseholdStore, user_id: str) -> ParentalControls:
    row = await household.parental_controls(user_id)
    return row.to_controls() if row else ParentalControls()


class ProfilesService:
    def __init__(
        self, *, database: Database, passwords: PasswordHashing, keys: KeyRing, settings: UsersSettings
    ) -> None:
        self.database = database
        self.passwords = passwords
        self.keys = keys
        self.settings = settings

    async def profiles(self, *, user_id: str) -> list[Profile]:
        async with self.database.session() as session:
            return [row.to_profile() for row in await HouseholdStore(session).profiles(user_id)]

    async def create_profile(self, *, user_id: str, fields: dict[str, Any]) -> Profile:
        current = now()
        async with self.database.transaction() as session:
            await locked_account(session, user_id, current)
            household = HouseholdStore(session)
            if await household.count(ProfileRow, user_id) >= MAX_PROFILES:
                raise ProfilesLimit()
            row = ProfileRow(id=new_id_str(), user_id=user_id, is_main=False, created_at=current)
            row.is_kids = False
            row.preferences = {}
            self._apply(row, fields)
            session.add(row)
            profile = row.to_profile()
            await publish_profile_change(
                session, user_id, profile, "created", current, await load_controls(household, user_id)
            )
        return profile

    async def update_profile(self, *, user_id: str, profile_id: str, fields: dict[str, Any]) -> Profile:
        current = now()
        async with self.database.transaction() as session:
            household, row = await _owned_profile(session, user_id, profile_id, current)
            self._apply(row, fields)
            profile = row.to_profile()
            await publish_profile_change(
                session, user_id, profile, "updated", current, await load_controls(household, user_id)
            )
        return profile

    async def delete_profile(self, *, user_id: str, profile_id: str) -> None:
        current = now()
        async with self.database.transaction() as session:
            household, row = await _owned_profile(session, user_id, profile_id, current)
            if row.is_main:
                raise MainProfileKept()
            profile = row.to_profile()
            await household.forget_profile(user_id, profile_id)
            await session.delete(row)
            await publish_profile_change(session, user_id, profile, "deleted", current)

    @staticmethod
    def _apply(row: ProfileRow, fields: dict[str, Any]) -> None:
        for name in _PROFILE_FIELDS:
            if name in fields:
                value = fields[name]
                setattr(row, name, value.value if isinstance(value, MaturityRating) else value)

    async def set_parental_controls(
        self,
        *,
        user_id: str,
        enabled: bool,
        max_maturity_rating: MaturityRating | None,
        pin: str | None,
        current_pin: str | None,
        restricted_profiles: list[str],
    ) -> ParentalControls:
        async with self.database.session() as session:
            existing = await HouseholdStore(session).parental_controls(user_id)
            pin_set = existing is not None and existing.pin_hash is not None
        if pin_set:
            # Whoever holds the device must not switch the controls off: changing them takes the PIN.
            if current_pin is None:
                raise PinRequired("current_pin", "Changing parental controls needs the current PIN.")
            await self._check_pin(user_id, current_pin, field="current_pin")
        new_pin_hash = await self.passwords.hash(pin) if pin is not None else None
        current = now()
        async with self.database.transaction() as session:
            await locked_account(session, user_id, current)
            household = HouseholdStore(session)
            profiles = await household.profiles(user_id)
            owned = {profile.id for profile in profiles}
            if any(profile_id not in owned for profile_id in restricted_profiles):
                raise UnknownProfile("restricted_profiles", "Only this account's profiles can be restricted.")
            row = await household.parental_controls(user_id)
            if row is None:
                row = ParentalControlsRow(user_id=user_id, failed_pins=0, restricted_profiles=[])
                session.add(row)
            if new_pin_hash is not None:
                row.pin_hash = new_pin_hash
            if enabled and row.pin_hash is None:
                raise PinRequired("pin", "Parental controls need a 4-digit PIN.")
            row.enabled = enabled
            row.max_maturity_rating = max_maturity_rating.value if max_maturity_rating else None
            row.restricted_profiles = sorted(set(restricted_profiles))
            controls = row.to_controls()
            await publish_profiles(session, user_id, [p.to_profile() for p in profiles], current, controls)
        return controls

    async def unlock(self, *, user_id: str, profile_id: str, pin: str) -> UnlockToken:
        async with self.database.session() as session:
            if await HouseholdStore(session).profile(user_id, profile_id) is None:
                raise ProfileNotFound()
        await self._check_pin(user_id, pin, field="pin")
        return self._unlock_token(user_id, profile_id)

    async def _check_pin(self, user_id: str, pin: str, *, field: str) -> None:
        """Verifies the account's PIN; failures are counted and lock it (429) after too many."""
        current = now()
        async with self.database.session() as session:
            row = await HouseholdStore(session).parental_controls(user_id)
            pin_hash = row.pin_hash if row else None
            locked_until = utc(row.pin_locked_until) if row and row.pin_locked_until else None
        if pin_hash is None:
            raise PinNotSet()
        if locked_until is not None and locked_until > current:
            raise PinLocked(until=locked_until, current=current)
        correct = await self.passwords.verify(pin_hash, pin)
        async with self.database.transaction() as session:
            household = HouseholdStore(session)
            if correct:
                await household.clear_pin_failures(user_id)
            else:
                lockout = dt.timedelta(seconds=self.settings.pin_lockout_seconds)
                await household.record_pin_failure(
                    user_id, max_failures=self.settings.max_failed_pins, locked_until=current + lockout
                )
        if not correct:
            raise PinIncorrect("The PIN is wrong.", field=field)

    def _unlock_token(self, user_id: str, profile_id: str) -> UnlockToken:
        # A purpose token (token_use "profile-unlock"): verifiers of access tokens refuse it, and
        # delivery checks its purpose, subject and profile.
        ttl = self.settings.unlock_token_ttl_seconds
        token = self.keys.issuer().issue(
            user_id=user_id,
            roles=(),
            extra={"profile_id": profile_id},
            token_use=UNLOCK_TOKEN_USE,
            ttl_seconds=ttl,
        )
        return UnlockToken(token=token, expires_in=ttl)
