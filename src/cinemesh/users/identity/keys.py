"""The users service's signing keys: stored encrypted, rotated without logging anyone out.

A rotation adds a key that is published in the JWKS at once but signs only after
`activation_delay` (so verifiers that cache the JWKS know it before its first token arrives).
The keys it replaces stay published until every token they signed has expired, then retire.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cinemesh.platform.crypto import SecretBox
from cinemesh.platform.db import Database
from cinemesh.platform.logging import get_logger
from cinemesh.platform.tokens import SigningKey, TokenIssuer
from cinemesh.users.identity.store import SigningKeyRow, UserStore, utc, utc_or_none

log = get_logger("cinemesh.users.keys")

# Clock skew a verifier may allow (TokenVerifier's leeway is 5 s): kept published a bit longer.
_RETIREMENT_MARGIN = dt.timedelta(seconds=60)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class _Key:
    signing_key: SigningKey
    created_at: dt.datetime
    activates_at: dt.datetime
    retire_at: dt.datetime | None

    def published(self, now: dt.datetime) -> bool:
        return self.retire_at is None or self.retire_at > now


class KeyRing:
    def __init__(
        self,
        *,
        database: Database,
        key_box: SecretBox,
        access_token_ttl: int,
        longest_token_ttl: int,
        activation_delay: float,
        clock: Callable[[], dt.datetime] = _now,
    ) -> None:
        self._database = database
        self._key_box = key_box
        self._access_token_ttl = access_token_ttl
        self._longest_token_ttl = dt.timedelta(seconds=longest_token_ttl)
        self._activation_delay = dt.timedelta(seconds=activation_delay)
        self._clock = clock
        self._keys: list[_Key] = []  # latest activation first

    async def load(self) -> None:
        """Loads the published keys, creating the first one on a new deployment."""
        now = self._clock()
        async with self._database.transaction() as session:
            rows = await UserStore(session).active_signing_keys()
            for row in rows:
                if row.retire_at is not None and utc(row.retire_at) <= now:
                    row.retired_at = now
            rows = [row for row in rows if row.retired_at is None]
            if not rows:
                rows = [self._new_row(now, activates_at=now)]
                session.add(rows[0])
        keys = [self._from_row(row) for row in rows]
        self._keys = sorted(keys, key=lambda key: (key.activates_at, key.created_at), reverse=True)

    async def rotate(self) -> str:
        """Adds a new signing key; returns its kid. The current ones retire once their tokens expire."""
        now = self._clock()
        activates_at = now + self._activation_delay
        async with self._database.transaction() as session:
            rows = await UserStore(session).active_signing_keys()
            for row in rows:
                if row.retire_at is None:
                    row.retire_at = activates_at + self._longest_token_ttl + _RETIREMENT_MARGIN
            new_row = self._new_row(now, activates_at=activates_at)
            session.add(new_row)
        await self.load()
        return new_row.kid

    async def reload_periodically(self, interval_seconds: float) -> None:
        """Keeps this process's keys in step with the table when several users processes run:
        a rotation done by one is published and used by every other within `interval_seconds`."""
        while True:
            await asyncio.sleep(interval_seconds)
            try:
                await self.load()
            except Exception as exc:  # the keys held stay valid; the next round tries again
                log.warning("signing_keys_reload_failed", error=str(exc))

    def signer(self) -> SigningKey:
        """The newest key already active (a just-rotated key waits out its activation delay)."""
        now = self._clock()
        for key in self._keys:
            if key.activates_at <= now and key.published(now):
                return key.signing_key
        raise RuntimeError("no active signing key; load() runs at start-up")

    def issuer(self) -> TokenIssuer:
        signer = self.signer()
        others = [key.signing_key for key in self._keys if key.signing_key is not signer]
        return TokenIssuer([signer, *others], ttl_seconds=self._access_token_ttl)

    def jwks(self) -> dict[str, Any]:
        now = self._clock()
        return {"keys": [key.signing_key.public_jwk() for key in self._keys if key.published(now)]}

    def _new_row(self, now: dt.datetime, *, activates_at: dt.datetime) -> SigningKeyRow:
        key = SigningKey.generate()
        return SigningKeyRow(
            kid=key.kid,
            private_key_encrypted=self._key_box.encrypt(key.to_pem()),
            created_at=now,
            activates_at=activates_at,
        )

    def _from_row(self, row: SigningKeyRow) -> _Key:
        created_at = utc(row.created_at)
        return _Key(
            signing_key=SigningKey.from_pem(row.kid, self._key_box.decrypt(row.private_key_encrypted)),
            created_at=created_at,
            activates_at=utc_or_none(row.activates_at) or created_at,
            retire_at=utc_or_none(row.retire_at),
        )
