"""Use cases of the users service: registration, login, token refresh, the account document."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.contracts.publishing import record_event
from cinemesh.contracts.users import UserRegisteredV1
from cinemesh.platform.crypto import SecretBox
from cinemesh.platform.db import Database
from cinemesh.platform.ids import new_id_str
from cinemesh.platform.problems import Problem
from cinemesh.platform.tokens import SigningKey, TokenIssuer
from cinemesh.users.domain import (
    DEFAULT_PREFERENCES,
    DEFAULT_SUBSCRIPTION,
    Account,
    AccountStatus,
    Role,
)
from cinemesh.users.passwords import PasswordHashing
from cinemesh.users.store import RefreshTokenRow, SigningKeyRow, UserRow, UserStore

SOURCE = "cinemesh/users"


@dataclass(frozen=True)
class AdminCredentials:
    email: str
    password: str | None  # set only when generated here, so it can be shown once


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105 - the OAuth token type, not a secret


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_INVALID_CREDENTIALS = Problem(401, "Email or password is wrong.", code="invalid-credentials")
_INVALID_REFRESH = Problem(
    401, "The refresh token is invalid, expired or revoked.", code="invalid-refresh-token"
)


class UsersService:
    def __init__(
        self,
        *,
        database: Database,
        passwords: PasswordHashing,
        key_box: SecretBox,
        access_token_ttl: int,
        refresh_token_ttl: int,
    ) -> None:
        self.database = database
        self.passwords = passwords
        self.key_box = key_box
        self.access_token_ttl = access_token_ttl
        self.refresh_token_ttl = refresh_token_ttl
        self._issuer: TokenIssuer | None = None

    @property
    def issuer(self) -> TokenIssuer:
        if self._issuer is None:
            raise RuntimeError("signing keys are loaded at start-up (load_signing_keys)")
        return self._issuer

    async def load_signing_keys(self) -> TokenIssuer:
        """Loads the active keys, creating the first one on a new deployment."""
        async with self.database.transaction() as session:
            store = UserStore(session)
            rows = await store.active_signing_keys()
            if not rows:
                key = SigningKey.generate()
                row = SigningKeyRow(
                    kid=key.kid, private_key_encrypted=self.key_box.encrypt(key.to_pem()), created_at=_now()
                )
                session.add(row)
                rows = [row]
            keys = [
                SigningKey.from_pem(row.kid, self.key_box.decrypt(row.private_key_encrypted)) for row in rows
            ]
        self._issuer = TokenIssuer(keys, ttl_seconds=self.access_token_ttl)
        return self._issuer

    async def register(
        self,
        *,
        email: str,
        username: str,
        password: str,
        country: str,
        roles: Iterable[Role] = (Role.VIEWER,),
    ) -> Account:
        password_hash = await self.passwords.hash(password)
        now = _now()
        async with self.database.transaction() as session:
            store = UserStore(session)
            taken = await store.email_or_username_taken(email, username)
            if taken:
                raise Problem(409, f"That {taken} is already registered.", code=f"{taken}-taken", field=taken)
            row = UserRow(
                id=new_id_str(),
                email=email.lower(),
                username=username,
                password_hash=password_hash,
                country=country,
                roles=sorted({role.value for role in roles}),
                status=AccountStatus.ACTIVE.value,
                email_verified=False,
                preferences=dict(DEFAULT_PREFERENCES),
                subscription=dict(DEFAULT_SUBSCRIPTION),
                created_at=now,
                updated_at=now,
            )
            store.add(row)
            await record_event(
                session,
                UserRegisteredV1(
                    user_id=row.id, username=username, country=country, roles=row.roles, registered_at=now
                ),
                source=SOURCE,
            )
        return row.to_account()

    async def login(self, *, email: str, password: str) -> TokenPair:
        async with self.database.session() as session:
            row = await UserStore(session).by_email(email)
            password_hash = row.password_hash if row else None
        if not await self.passwords.verify(password_hash, password) or row is None:
            raise _INVALID_CREDENTIALS
        if not row.to_account().can_log_in():
            raise Problem(403, "This account is not active.", code="account-inactive")
        async with self.database.transaction() as session:
            fresh = await UserStore(session).by_id(row.id)
            if fresh is None:
                raise _INVALID_CREDENTIALS
            fresh.last_login_at = _now()
            return self._issue_pair(session=session, user=fresh, family_id=new_id_str())

    async def refresh(self, *, refresh_token: str) -> TokenPair:
        """Rotates the refresh token. Presenting a used one revokes its whole family: it leaked."""
        now = _now()
        async with self.database.transaction() as session:
            store = UserStore(session)
            token = await store.refresh_token(_hash_refresh_token(refresh_token))
            if token is None or token.revoked_at is not None:
                raise _INVALID_REFRESH
            if token.used_at is None:
                user = await store.by_id(token.user_id)
                if _aware(token.expires_at) <= now or user is None or not user.to_account().can_log_in():
                    raise _INVALID_REFRESH
                token.used_at = now
                return self._issue_pair(session=session, user=user, family_id=token.family_id)
            await store.revoke_family(token.family_id, now=now)
        # Raised after the block so that the revocation is committed first.
        raise Problem(
            401,
            "This refresh token was already used; every session it started is now revoked.",
            code="refresh-token-reused",
        )

    async def logout(self, *, refresh_token: str) -> None:
        async with self.database.transaction() as session:
            store = UserStore(session)
            token = await store.refresh_token(_hash_refresh_token(refresh_token))
            if token is not None:
                await store.revoke_family(token.family_id, now=_now())

    async def account(self, *, user_id: str) -> Account:
        async with self.database.session() as session:
            row = await UserStore(session).by_id(user_id)
        if row is None:
            raise Problem(404, "No such account.", code="account-not-found")
        return row.to_account()

    async def ensure_first_admin(self, *, email: str, password: str | None) -> AdminCredentials | None:
        """Creates the first admin on an empty platform, generating a password if none is given.

        Returns what to tell the operator, or None when an admin already exists."""
        async with self.database.session() as session:
            if await UserStore(session).any_admin():
                return None
        generated = None if password else secrets.token_urlsafe(12)
        await self.register(
            email=email,
            username="admin",
            password=password or str(generated),
            country="US",
            roles=(Role.ADMIN, Role.VIEWER),
        )
        return AdminCredentials(email=email, password=generated)

    def _issue_pair(self, *, session: AsyncSession, user: UserRow, family_id: str) -> TokenPair:
        refresh_token = secrets.token_urlsafe(32)
        now = _now()
        session.add(
            RefreshTokenRow(
                token_hash=_hash_refresh_token(refresh_token),
                family_id=family_id,
                user_id=user.id,
                created_at=now,
                expires_at=now + dt.timedelta(seconds=self.refresh_token_ttl),
            )
        )
        access_token = self.issuer.issue(user_id=user.id, roles=user.roles, extra={"country": user.country})
        return TokenPair(
            access_token=access_token, refresh_token=refresh_token, expires_in=self.access_token_ttl
        )


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
