"""Per-title content keys: created once, stored wrapped by the master key (SecretBox envelope
encryption), unwrapped only to package segments or to answer a live session's key request.

One 128-bit key and key id per video serve both HLS AES-128 and DASH CENC (ClearKey), the way
a packager uses one key per title across formats.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from cinemesh.delivery.store.queries import DeliveryStore
from cinemesh.delivery.store.tables import ContentKeyRow
from cinemesh.platform.crypto import SecretBox
from cinemesh.platform.db import Database

KEY_BYTES = 16


@dataclass(frozen=True)
class ContentKey:
    kid: bytes
    key: bytes

    def __repr__(self) -> str:  # never let a key reach a log line
        return f"ContentKey(kid={self.kid.hex()}, key=<redacted>)"


class ContentKeys:
    def __init__(self, *, database: Database, box: SecretBox) -> None:
        self.database = database
        self.box = box
        # Unwrapped keys, per process: a key never changes once created, so caching is safe.
        self._cache: dict[str, ContentKey] = {}

    def _unwrap(self, row: ContentKeyRow) -> ContentKey:
        return ContentKey(kid=bytes.fromhex(row.kid), key=self.box.decrypt(row.wrapped_key))

    async def ensure(self, store: DeliveryStore, video_id: str) -> None:
        """Creates the video's key in the caller's transaction if it has none."""
        if await store.content_key(video_id) is None:
            await store.add_content_key(self._new_row(video_id))

    def _new_row(self, video_id: str) -> ContentKeyRow:
        return ContentKeyRow(
            video_id=video_id,
            kid=os.urandom(KEY_BYTES).hex(),
            wrapped_key=self.box.encrypt(os.urandom(KEY_BYTES)),
            created_at=dt.datetime.now(dt.UTC),
        )

    async def get(self, video_id: str) -> ContentKey:
        """The video's key, created on first use; two processes racing agree on one key."""
        if (cached := self._cache.get(video_id)) is not None:
            return cached
        async with self.database.session() as session:
            row = await DeliveryStore(session).content_key(video_id)
        if row is None:
            try:
                async with self.database.transaction() as session:
                    session.add(self._new_row(video_id))
            except IntegrityError:
                pass  # another process created it first: use theirs
            async with self.database.session() as session:
                row = await DeliveryStore(session).content_key(video_id)
            assert row is not None
        key = self._cache[video_id] = self._unwrap(row)
        return key
