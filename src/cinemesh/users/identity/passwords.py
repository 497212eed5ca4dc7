"""argon2id password hashing, off the event loop (a hash costs tens of milliseconds)."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class PasswordHashing:
    def __init__(self, *, time_cost: int = 2, memory_cost_kib: int = 19 * 1024, parallelism: int = 1) -> None:
        # OWASP's argon2id baseline (19 MiB, t=2, p=1) unless settings ask for more.
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=parallelism
        )
        # Verified against when the account does not exist, so timing does not reveal which
        # emails are registered.
        self._decoy = self._hasher.hash("cinemesh-decoy-password")

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        def check() -> bool:
            try:
                return (
                    self._hasher.verify(password_hash or self._decoy, password) and password_hash is not None
                )
            except (VerificationError, InvalidHashError):
                return False

        return await asyncio.to_thread(check)
