"""Email verification, password change and password reset: single-use tokens sent by mail."""

from __future__ import annotations

import datetime as dt
import secrets
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.platform.db import Database
from cinemesh.platform.ids import new_id_str
from cinemesh.platform.logging import get_logger
from cinemesh.users.identity.domain import AccountGone, InvalidMailToken, WrongPassword
from cinemesh.users.identity.mail_queue import MailQueue
from cinemesh.users.identity.mailer import Mail, MailDeliveryError, Mailer
from cinemesh.users.identity.passwords import PasswordHashing
from cinemesh.users.identity.service.accounts import TokenPair, UsersService, hash_secret, now
from cinemesh.users.identity.service.sessions import end_sessions
from cinemesh.users.identity.store import MailTokenRow, UserRow, UserStore, utc
from cinemesh.users.identity.throttle import Throttles

log = get_logger("cinemesh.users.credentials")

VERIFY_EMAIL = "verify_email"
RESET_PASSWORD = "reset_password"  # noqa: S105 - a purpose name, not a secret


class CredentialsService:
    def __init__(
        self,
        *,
        users: UsersService,
        database: Database,
        passwords: PasswordHashing,
        mailer: Mailer,
        mail_queue: MailQueue,
        throttles: Throttles,
        public_url: str,
        token_ttl_seconds: int,
    ) -> None:
        self.users = users
        self.database = database
        self.passwords = passwords
        self.mailer = mailer
        self.mail_queue = mail_queue
        self.throttles = throttles
        self.public_url = public_url.rstrip("/")
        self.token_ttl = dt.timedelta(seconds=token_ttl_seconds)

    async def send_verification(self, *, user_id: str) -> None:
        async with self.database.session() as session:
            user = await UserStore(session).by_id(user_id)
        if user is None or user.email_verified:
            return
        await self._mail_link(
            user,
            VERIFY_EMAIL,
            # The web app's page, which confirms with a POST and says so; the API's GET route
            # (which answers JSON) keeps working for links mailed before.
            page="verify-email",
            subject="Confirm your email address",
            text=f"Welcome to Cinemesh, {user.username}.\n\nConfirm your address: {{link}}\n",
        )

    async def verify_email(self, *, token: str) -> None:
        current = now()
        async with self.database.transaction() as session:
            row = await self._use_token(session, token, VERIFY_EMAIL, current)
            user = await UserStore(session).lock_account(row.user_id, now=current)
            # The address must still be the one the link was sent to.
            if user is None or user.email != row.email:
                raise InvalidMailToken()
            user.email_verified = True
            user.email_verified_at = current

    async def request_password_reset(self, *, email: str, client: str) -> None:
        """Throttled per address and per client (429), then queued: the answer comes at once, the
        same for every address, so neither it nor its timing reveals who has an account; the mail
        (if the account exists) is the queue worker's, outside the request."""
        await self.throttles.reset_requested(client=client, email=email)
        self.mail_queue.submit(lambda: self._mail_reset_link(email))

    async def _mail_reset_link(self, email: str) -> None:
        async with self.database.session() as session:
            user = await UserStore(session).by_email(email)
        if user is None:
            return
        await self._mail_link(
            user,
            RESET_PASSWORD,
            page="reset-password",
            subject="Reset your password",
            text="Someone asked to reset your Cinemesh password. If it was you: {link}\n",
        )

    async def reset_password(self, *, token: str, new_password: str) -> None:
        password_hash = await self.passwords.hash(new_password)
        current = now()
        async with self.database.transaction() as session:
            row = await self._use_token(session, token, RESET_PASSWORD, current)
            store = UserStore(session)
            user = await store.lock_account(row.user_id, now=current)
            if user is None:
                raise InvalidMailToken()
            self._set_password(user, password_hash, current)
            # The other links mailed before are ended too: one was enough, and any of them may
            # sit in a mailbox someone else reads.
            await store.spend_mail_tokens(user.id, RESET_PASSWORD, now=current)
            # Whoever could read the mailbox proved it is theirs: a reset also verifies the email.
            user.email_verified, user.email_verified_at = True, user.email_verified_at or current
            user.failed_logins, user.locked_until = 0, None
            await end_sessions(session, user, reason="password_reset", current=current)

    async def change_password(self, *, user_id: str, current_password: str, new_password: str) -> TokenPair:
        """Logs out every other session (all refresh tokens, every older access token)."""
        async with self.database.session() as session:
            user = await UserStore(session).by_id(user_id)
        if user is None:
            raise AccountGone()
        if not await self.passwords.verify(user.password_hash, current_password):
            raise WrongPassword("The current password is wrong.", field="current_password")
        password_hash = await self.passwords.hash(new_password)
        current = now()
        async with self.database.transaction() as session:
            store = UserStore(session)
            fresh = await store.lock_account(user_id, now=current)
            if fresh is None:
                raise AccountGone()
            self._set_password(fresh, password_hash, current)
            await store.spend_mail_tokens(user.id, RESET_PASSWORD, now=current)
            await end_sessions(session, fresh, reason="password_changed", current=current)
            return self.users.issue_pair(session=session, user=fresh, family_id=new_id_str())

    @staticmethod
    def _set_password(user: UserRow, password_hash: str, current: dt.datetime) -> None:
        user.password_hash = password_hash
        user.last_password_change_at = current

    async def _mail_link(self, user: UserRow, purpose: str, *, page: str, subject: str, text: str) -> None:
        """Stores a new single-use token for `purpose` and mails its link to the account's address."""
        token = secrets.token_urlsafe(32)
        async with self.database.transaction() as session:
            session.add(
                MailTokenRow(
                    token_hash=hash_secret(token),
                    user_id=user.id,
                    purpose=purpose,
                    email=user.email,
                    expires_at=now() + self.token_ttl,
                )
            )
        link = f"{self.public_url}/{page}?{urlencode({'token': token})}"
        await self._send(Mail(to=user.email, subject=subject, text=text.format(link=link), link=link))

    @staticmethod
    async def _use_token(
        session: AsyncSession, token: str, purpose: str, current: dt.datetime
    ) -> MailTokenRow:
        row = await UserStore(session).mail_token(hash_secret(token))
        if row is None or row.purpose != purpose or row.used_at is not None or utc(row.expires_at) <= current:
            raise InvalidMailToken()
        row.used_at = current
        return row

    async def _send(self, mail: Mail) -> None:
        # The account change is committed already; a mail server outage must not undo it. The
        # user asks again (resend / reset), so the failure is logged, not raised.
        try:
            await self.mailer.send(mail)
        except MailDeliveryError as exc:
            log.warning("mail_delivery_failed", subject=mail.subject, error=str(exc))
