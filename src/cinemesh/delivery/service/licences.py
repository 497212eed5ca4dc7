"""Use cases of content protection: a licence for a live session, the key id players are told."""

from __future__ import annotations

import datetime as dt

from cinemesh.delivery.domain import (
    KeySystemUnsupported,
    LicenseRequestInvalid,
    SessionNotFound,
    SessionNotLive,
)
from cinemesh.delivery.drm.clearkey import b64url
from cinemesh.delivery.drm.keys import ContentKeys
from cinemesh.delivery.drm.port import LicenseAdapter, LicensePolicy, LicenseRequestError
from cinemesh.delivery.store.queries import DeliveryStore
from cinemesh.delivery.store.tables import utc
from cinemesh.platform.db import Database
from cinemesh.platform.tokens import Principal


class LicenceService:
    def __init__(
        self,
        *,
        database: Database,
        keys: ContentKeys,
        adapters: dict[str, LicenseAdapter],
        heartbeat_timeout: dt.timedelta,
    ) -> None:
        self.database = database
        self.keys = keys
        self.adapters = adapters
        self.heartbeat_timeout = heartbeat_timeout

    async def license(
        self, *, principal: Principal, session_id: str, key_system: str, request: bytes
    ) -> bytes:
        adapter = self.adapters.get(key_system)
        if adapter is None:
            raise KeySystemUnsupported(f"No licence server for key system {key_system!r}.")
        async with self.database.session() as session:
            row = await DeliveryStore(session).session_row(session_id)
        if row is None or row.user_id != principal.user_id:
            # As heartbeat and end answer: another's session looks missing.
            raise SessionNotFound("No such playback session.")
        if not row.is_live(now=dt.datetime.now(dt.UTC), heartbeat_timeout=self.heartbeat_timeout):
            # Ended or timed out: no key without a live session.
            raise SessionNotLive("Licences are issued only to a live session of yours.")
        key = await self.keys.get(row.video_id)
        policy = LicensePolicy(
            session_id=row.session_id,
            max_height=row.max_height,
            expires_at=int(utc(row.expires_at).timestamp()),
        )
        try:
            return await adapter.license(request=request, key=key, policy=policy)
        except LicenseRequestError as exc:
            raise LicenseRequestInvalid(str(exc)) from exc

    async def key_id(self, video_id: str) -> str:
        return b64url((await self.keys.get(video_id)).kid)
