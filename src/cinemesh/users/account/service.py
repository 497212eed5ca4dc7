"""The account document, its settings, export and deletion (its subscription section is billing's
projection: events.py)."""

from __future__ import annotations

from typing import Any

from cinemesh.platform.db import Database
from cinemesh.users.account.document import account_document, timestamp
from cinemesh.users.account.publishing import publish_deleted
from cinemesh.users.account.store import user_page
from cinemesh.users.household.domain import Household
from cinemesh.users.household.store.snapshot import household_of
from cinemesh.users.identity.domain import Account, AccountGone, AccountNotFound, AccountStatus
from cinemesh.users.identity.service.accounts import current_account, now
from cinemesh.users.identity.service.sessions import end_sessions
from cinemesh.users.identity.store import UserStore, account_by_id, token_check, utc


def _document(account: Account, household: Household) -> dict[str, Any]:
    return account_document(
        account,
        profiles=household.profiles,
        devices=household.devices,
        my_list=household.my_list,
        controls=household.controls,
    )


class AccountService:
    def __init__(self, *, database: Database) -> None:
        self.database = database

    async def current_document(
        self, *, user_id: str, session_generation: int, session_id: str | None
    ) -> dict[str, Any]:
        """`GET /api/v1/me`: the caller's account, checked to be current like every signed-in
        request (401 when the token outlived it), and its household: two statements on one
        connection (this is the most requested document of the service)."""
        async with self.database.engine.connect() as connection:
            account = current_account(
                await token_check(connection, user_id, session_id), session_generation=session_generation
            )
            household = await household_of(connection, user_id)
        return _document(account, household)

    async def document(self, *, user_id: str) -> dict[str, Any]:
        """The whole account, valid against the seed's User Profile schema."""
        document = await self.find_document(user_id=user_id)
        if document is None:
            raise AccountGone()
        return document

    async def find_document(self, *, user_id: str) -> dict[str, Any] | None:
        """Any account's document (admin), None when there is no such account."""
        async with self.database.engine.connect() as connection:
            account = await account_by_id(connection, user_id)
            if account is None:
                return None
            household = await household_of(connection, user_id)
        return _document(account, household)

    async def directory(
        self, *, text: str | None, status: str | None, before: str | None, limit: int
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Admin: a page of accounts, newest first (see `user_page`)."""
        return await user_page(self.database, text=text, status=status, before=before, limit=limit)

    async def update_preferences(self, *, user_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        async with self.database.transaction() as session:
            user = await UserStore(session).lock_account(user_id, now=now())
            if user is None:
                raise AccountGone()
            user.preferences = {**user.preferences, **changes}
        return await self.document(user_id=user_id)

    async def update_personal_info(self, *, user_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        async with self.database.transaction() as session:
            user = await UserStore(session).lock_account(user_id, now=now())
            if user is None:
                raise AccountGone()
            for name, value in changes.items():
                setattr(user, name, value)
        return await self.document(user_id=user_id)

    async def export(self, *, user_id: str) -> dict[str, Any]:
        """Everything this service holds about the user (GDPR art. 15/20), secrets excepted."""
        document = await self.document(user_id=user_id)
        async with self.database.session() as session:
            store = UserStore(session)
            sessions = await store.sessions(user_id)
            identities = await store.oidc_identities(user_id)
        return {
            "format": "cinemesh.users.export.v1",
            "exported_at": timestamp(now()),
            "account": document,
            "sessions": [
                {
                    "family_id": row.family_id,
                    "created_at": timestamp(utc(row.created_at)),
                    "used": row.used_at is not None,
                    "revoked": row.revoked_at is not None,
                }
                for row in sessions
            ],
            "linked_identities": [
                {
                    "provider": row.provider,
                    "subject": row.subject,
                    "email": row.email,
                    "linked_at": timestamp(utc(row.linked_at)),
                }
                for row in identities
            ],
        }

    async def delete(self, *, user_id: str) -> None:
        """Erases the account and everything under it, and tells every other service to erase theirs."""
        current = now()
        async with self.database.transaction() as session:
            store = UserStore(session)
            user = await store.lock_account(user_id, now=current)
            if user is None:
                raise AccountGone()
            # Children go by ON DELETE CASCADE (SQLite: PRAGMA foreign_keys=ON, set by the platform).
            await session.delete(user)
            await publish_deleted(session, user_id=user_id, at=current)

    async def set_status(self, *, user_id: str, status: AccountStatus) -> dict[str, Any]:
        """Admin: suspend or reactivate. Suspension ends every session at once (its refresh tokens
        are revoked and the session generation moves on, so its access tokens are refused)."""
        current = now()
        async with self.database.transaction() as session:
            store = UserStore(session)
            user = await store.lock_account(user_id, now=current)
            if user is None:
                raise AccountNotFound()
            if user.status != status.value and status is AccountStatus.SUSPENDED:
                await end_sessions(session, user, reason="suspended", current=current)
            user.status = status.value
        return await self.document(user_id=user_id)
