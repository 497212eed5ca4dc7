"""Sessions the users service ended, refused at the gateway for every service.

A signature proves who issued a token, not that its session is still alive. The users service
announces when it ends an account's sessions (`users.sessions.ended.v1`: password change,
reset, suspension), ends one session (`users.session.revoked.v1`: logout, a reused refresh
token; tokens carry their session as `sid`) or deletes the account (`users.user.deleted.v1`).
The gateway keeps what it heard for one access-token lifetime, after which every older token
has expired anyway, and refuses the tokens those events ended. Each gateway process reads the
users topic from "one lifetime ago" at start, so a restart forgets nothing that still matters.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from cinemesh.contracts.users import USERS_TOPIC, SessionRevokedV1, SessionsEndedV1, UserDeletedV1
from cinemesh.gateway.shared_state import SharedRevocations
from cinemesh.platform.background import BackgroundTask
from cinemesh.platform.events.bus import EventBus, Subscription
from cinemesh.platform.events.envelope import Envelope
from cinemesh.platform.ids import new_id_str
from cinemesh.platform.logging import get_logger
from cinemesh.platform.tokens import Principal

log = get_logger("cinemesh.gateway.revocations")


@dataclass
class _Revocation:
    deleted: bool
    min_generation: int
    forget_at: float


class SessionRevocations:
    def __init__(self, *, remember_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.remember_seconds = remember_seconds
        self._clock = clock
        self._by_user: dict[str, _Revocation] = {}
        self._sessions: dict[str, float] = {}  # ended session id -> when to forget it

    def account_deleted(self, user_id: str) -> None:
        self._by_user[user_id] = _Revocation(True, 0, self._clock() + self.remember_seconds)

    def sessions_ended(self, user_id: str, generation: int) -> None:
        known = self._by_user.get(user_id)
        floor = max(generation, known.min_generation if known else 0)
        self._by_user[user_id] = _Revocation(
            bool(known and known.deleted), floor, self._clock() + self.remember_seconds
        )

    def session_revoked(self, session_id: str) -> None:
        self._sessions[session_id] = self._clock() + self.remember_seconds

    def refuses(self, principal: Principal) -> bool:
        if principal.session_id is not None and principal.session_id in self._sessions:
            if self._clock() < self._sessions[principal.session_id]:
                return True
            del self._sessions[principal.session_id]
        revocation = self._by_user.get(principal.user_id)
        if revocation is None:
            return False
        if self._clock() >= revocation.forget_at:
            del self._by_user[principal.user_id]  # every token it could refuse has expired
            return False
        if revocation.deleted:
            return True
        generation = principal.session_generation
        return generation is None or generation < revocation.min_generation

    def apply(self, envelope: Envelope) -> None:
        if envelope.type == UserDeletedV1.event_type:
            self.account_deleted(UserDeletedV1.model_validate(envelope.data).user_id)
        elif envelope.type == SessionsEndedV1.event_type:
            ended = SessionsEndedV1.model_validate(envelope.data)
            self.sessions_ended(ended.user_id, ended.session_generation)
        elif envelope.type == SessionRevokedV1.event_type:
            self.session_revoked(SessionRevokedV1.model_validate(envelope.data).session_id)


class RevocationFeed:
    """Follows the users topic into a `SessionRevocations`, as a group of its own that never
    commits (every gateway process needs every event)."""

    def __init__(
        self, bus: EventBus, revocations: SessionRevocations, shared: SharedRevocations | None = None
    ) -> None:
        self.bus = bus
        self.revocations = revocations
        self.shared = shared
        self._task = BackgroundTask("gateway-revocations")
        self._subscription: Subscription | None = None

    async def start(self) -> None:
        group = f"gateway.revocations.{new_id_str()}"
        since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=self.revocations.remember_seconds)
        await self.bus.reset_group(group, [USERS_TOPIC], to_time=since)
        self._subscription = self.bus.subscribe(group, [USERS_TOPIC])
        self._task.start(self._follow)

    async def _follow(self) -> None:
        assert self._subscription is not None
        while True:
            try:
                for record in await self._subscription.fetch(max_records=500, timeout=1.0):
                    self.revocations.apply(record.envelope)
                    if self.shared is not None:
                        await self.shared.record(record.envelope)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a broken read must not stop the gateway; retry shortly
                log.warning("revocation_feed_error", error=repr(exc))
                await asyncio.sleep(1.0)

    async def stop(self) -> None:
        await self._task.stop()
        if self._subscription is not None:
            await self._subscription.close()
            self._subscription = None
