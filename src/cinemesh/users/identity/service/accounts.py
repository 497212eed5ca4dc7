"""Use cases of identity: registration, login with lockout, token refresh, the token cut-off."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.platform.db import Database
from cinemesh.platform.ids import new_id_str
from cinemesh.users.household.domain import main_profile_name
from cinemesh.users.household.publishing import publish_profile_change
from cinemesh.users.household.store.tables import ProfileRow
from cinemesh.users.identity.domain import (
    DEFAULT_PREFERENCES,
    DEFAULT_SUBSCRIPTION,
    Account,
    AccountInactive,
    AccountStatus,
    AccountTaken,
    EmailTaken,
    InvalidCredentials,
    InvalidRefreshToken,
    LoginLocked,
    RefreshTokenReused,
    Role,
    TokenRevoked,
    UsernameTaken,
)
from cinemesh.users.identity.keys import KeyRing
from cinemesh.users.identity.passwords import PasswordHashing
from cinemesh.users.identity.publishing import publish_registered
from cinemesh.users.identity.service.sessions import revoke_session
from cinemesh.users.identity.store import RefreshTokenRow, TokenCheck, UserRow, UserStore, token_check, utc
from cinemesh.users.identity.throttle import Throttles
from cinemesh.users.settings import UsersSettings


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


# The access-token claim holding the account's session generation when the token was issued.
SESSION_GENERATION_CLAIM = "sgen"
# The access-token claim naming its session (the refresh-token family), ended alone by logout.
SESSION_ID_CLAIM = "sid"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def hash_secret(token: str) -> str:
    """Refresh and mail tokens are random 256-bit secrets: a plain SHA-256 is enough to store them."""
    return hashlib.sha256(token.encode()).hexdigest()


_WRONG_CREDENTIALS = "Email or password is wrong."
_INVALID_REFRESH = "The refresh token is invalid, expired or revoked."


def current_account(check: TokenCheck | None, *, session_generation: int) -> Account:
    """The account of a token checked by `token_check`, or 401 when the token outlived it."""
    if (
        check is None
        or not check.account.can_log_in()
        or check.session_ended
        or session_generation != check.session_generation
    ):
        raise TokenRevoked()
    return check.account


class UsersService:
    def __init__(
        self,
        *,
        database: Database,
        passwords: PasswordHashing,
        keys: KeyRing,
        settings: UsersSettings,
        throttles: Throttles,
        access_token_ttl: int,
        refresh_token_ttl: int,
    ) -> None:
        self.database = database
        self.passwords = passwords
        self.keys = keys
        self.settings = settings
        self.throttles = throttles
        self.access_token_ttl = access_token_ttl
        self.refresh_token_ttl = refresh_token_ttl

    async def register(
        self,
        *,
        email: str,
        username: str,
        password: str | None,
        country: str,
        roles: Iterable[Role] = (Role.VIEWER,),
        email_verified: bool = False,
    ) -> Account:
        """A new account and its main profile. `password` None: it signs in only through OIDC."""
        password_hash = await self.passwords.hash(password) if password is not None else None
        current = now()
        try:
            async with self.database.transaction() as session:
                store = UserStore(session)
                taken = await store.email_or_username_taken(email, username)
                if taken:
                    kind = EmailTaken if taken == "email" else UsernameTaken
                    raise kind(f"That {taken} is already registered.", field=taken)
                row = UserRow(
                    id=new_id_str(),
                    email=email.lower(),
                    username=username,
                    password_hash=password_hash,
                    country=country,
                    roles=sorted({role.value for role in roles}),
                    status=AccountStatus.ACTIVE.value,
                    email_verified=email_verified,
                    email_verified_at=current if email_verified else None,
                    preferences=dict(DEFAULT_PREFERENCES),
                    subscription=dict(DEFAULT_SUBSCRIPTION),
                    created_at=current,
                    updated_at=current,
                    failed_logins=0,
                    session_generation=0,
                )
                store.add(row)
                await session.flush()
                main = ProfileRow(
                    id=new_id_str(),
                    user_id=row.id,
                    name=main_profile_name(username),
                    is_kids=False,
                    is_main=True,
                    preferences={},
                    created_at=current,
                )
                session.add(main)
                await publish_registered(
                    session, user_id=row.id, username=username, country=country, roles=row.roles, at=current
                )
                await publish_profile_change(session, row.id, main.to_profile(), "created", current)
        except IntegrityError as exc:
            # Registered concurrently between the check above and the insert: the unique index wins.
            raise AccountTaken("That email or username is already registered.") from exc
        return row.to_account()

    async def login(self, *, email: str, password: str, client: str) -> TokenPair:
        """`client`: the caller's address, for the per-client limit on failures."""
        current = now()
        await self.throttles.check_login_client(client)
        async with self.database.session() as session:
            row = await UserStore(session).by_email(email)
            password_hash = row.password_hash if row else None
            locked_until = utc(row.locked_until) if row and row.locked_until else None
        if row is None:
            # Locked like an account, so the lockout does not tell which addresses have one.
            locked_until = await self.throttles.unknown_address_locked_until(email)
        if locked_until is not None and locked_until > current:
            raise LoginLocked(until=locked_until, current=current)
        verified = await self.passwords.verify(password_hash, password)
        if not verified:
            await self.throttles.login_failed(client=client)
        if row is None:
            await self.throttles.unknown_address_failed(email, current=current)
            raise InvalidCredentials(_WRONG_CREDENTIALS)
        async with self.database.transaction() as session:
            store = UserStore(session)
            if not verified:
                lockout = dt.timedelta(seconds=self.settings.login_lockout_seconds)
                await store.record_login_failure(
                    row.id, max_failures=self.settings.max_failed_logins, locked_until=current + lockout
                )
            elif row.to_account().can_log_in():
                fresh = await store.record_login_success(row.id, now=current)
                if fresh is not None:
                    return self.issue_pair(session=session, user=fresh, family_id=new_id_str())
        # Raised after the block so that the failure count is committed.
        if not verified:
            raise InvalidCredentials(_WRONG_CREDENTIALS)
        raise AccountInactive()

    async def refresh(self, *, refresh_token: str) -> TokenPair:
        """Rotates the refresh token. Presenting a used one revokes its whole family: it leaked."""
        current = now()
        async with self.database.transaction() as session:
            store = UserStore(session)
            token = await store.refresh_token(hash_secret(refresh_token))
            if token is None or token.revoked_at is not None:
                raise InvalidRefreshToken(_INVALID_REFRESH)
            if token.used_at is None:
                user = await store.by_id(token.user_id)
                if utc(token.expires_at) <= current or user is None or not user.to_account().can_log_in():
                    raise InvalidRefreshToken(_INVALID_REFRESH)
                token.used_at = current
                return self.issue_pair(session=session, user=user, family_id=token.family_id)
            await revoke_session(session, token, reason="refresh_token_reused", current=current)
        raise RefreshTokenReused(
            "This refresh token was already used; every session it started is now revoked."
        )

    async def logout(self, *, refresh_token: str, user_id: str | None = None) -> None:
        """Ends the session the refresh token belongs to; with `user_id`, only if it is theirs."""
        async with self.database.transaction() as session:
            store = UserStore(session)
            token = await store.refresh_token(hash_secret(refresh_token))
            if token is not None and token.revoked_at is None and user_id in (None, token.user_id):
                await revoke_session(session, token, reason="logout", current=now())

    async def ensure_token_current(
        self, *, user_id: str, session_generation: int, session_id: str | None = None
    ) -> Account:
        """The account behind a verified access token, refusing tokens that outlived it (401):
        the account was deleted or closed, its sessions were ended after the token was issued,
        or the token's own session was (logout, a reused refresh token)."""
        async with self.database.engine.connect() as connection:
            check = await token_check(connection, user_id, session_id)
        return current_account(check, session_generation=session_generation)

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
            email_verified=True,
        )
        return AdminCredentials(email=email, password=generated)

    def issue_pair(self, *, session: AsyncSession, user: UserRow, family_id: str) -> TokenPair:
        refresh_token = secrets.token_urlsafe(32)
        current = now()
        session.add(
            RefreshTokenRow(
                token_hash=hash_secret(refresh_token),
                family_id=family_id,
                user_id=user.id,
                created_at=current,
                expires_at=current + dt.timedelta(seconds=self.refresh_token_ttl),
            )
        )
        access_token = self.keys.issuer().issue(
            user_id=user.id,
            roles=user.roles,
            extra={
                "country": user.country,
                SESSION_GENERATION_CLAIM: user.session_generation,
                SESSION_ID_CLAIM: family_id,
            },
        )
        return TokenPair(
            access_token=access_token, refresh_token=refresh_token, expires_in=self.access_token_ttl
        )
