"""Idempotency-Key for the POSTs that create or charge (Stripe's semantics): the first answer
to a key is kept and replayed; the same key with another request is refused, naming the key."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from cinemesh.billing.domain.errors import IdempotencyKeyInFlight, IdempotencyKeyReused
from cinemesh.billing.service.ledger import LedgerAccess
from cinemesh.billing.store.idempotency import IdempotencyStore


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: Any
    replayed: bool = False


def request_hash(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\0".join([method.encode(), path.encode(), body])).hexdigest()


class IdempotencyService:
    def __init__(self, *, access: LedgerAccess) -> None:
        self.access = access

    async def run(
        self,
        *,
        user_id: str,
        key: str,
        fingerprint: str,
        work: Callable[[], Awaitable[Answer]],
    ) -> Answer:
        """`work` runs once per (account, key); its answer (a refusal too) is kept for replays."""
        async with self.access.database.transaction() as session:
            kept = await IdempotencyStore(session).claim(
                user_id=user_id, key=key, request_hash=fingerprint, at=dt.datetime.now(dt.UTC)
            )
        if kept is not None:
            if kept.request_hash != fingerprint:
                raise IdempotencyKeyReused(
                    f"Idempotency-Key {key!r} was used with another request; use a new key.",
                    field="Idempotency-Key",
                )
            if kept.status_code is None:
                raise IdempotencyKeyInFlight(
                    f"A request with Idempotency-Key {key!r} is still running; retry later.",
                    field="Idempotency-Key",
                )
            return Answer(kept.status_code, kept.body, replayed=True)
        try:
            answer = await work()
        except BaseException:
            async with self.access.database.transaction() as session:
                await IdempotencyStore(session).release(user_id=user_id, key=key)
            raise
        async with self.access.database.transaction() as session:
            await IdempotencyStore(session).finish(
                user_id=user_id, key=key, status_code=answer.status_code, body=answer.body
            )
        return answer
