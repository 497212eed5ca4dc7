"""Idempotency-Key records (Stripe's semantics): the first answer to a key is kept and replayed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.billing.store.tables import idempotency


@dataclass(frozen=True)
class Recorded:
    request_hash: str
    status_code: int | None  # None: the first request with this key is still running
    body: Any


class IdempotencyStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, *, user_id: str, key: str, request_hash: str, at: dt.datetime) -> Recorded | None:
        """None when this request is the key's first (the key is now taken); else what was kept."""
        try:
            async with self.session.begin_nested():
                await self.session.execute(
                    sa.insert(idempotency).values(
                        user_id=user_id, key=key, request_hash=request_hash, created_at=at
                    )
                )
            return None
        except IntegrityError:
            row = (
                (
                    await self.session.execute(
                        sa.select(idempotency).where(
                            idempotency.c.user_id == user_id, idempotency.c.key == key
                        )
                    )
                )
                .mappings()
                .one()
            )
            return Recorded(row["request_hash"], row["status_code"], row["body"])

    async def finish(self, *, user_id: str, key: str, status_code: int, body: Any) -> None:
        await self.session.execute(
            sa.update(idempotency)
            .where(idempotency.c.user_id == user_id, idempotency.c.key == key)
            .values(status_code=status_code, body=body)
        )

    async def release(self, *, user_id: str, key: str) -> None:
        """An unexpected failure keeps nothing: the client may retry with the same key."""
        await self.session.execute(
            sa.delete(idempotency).where(idempotency.c.user_id == user_id, idempotency.c.key == key)
        )
