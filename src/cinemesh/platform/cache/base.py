"""The cache port: small, expiring, shared values (sessions, counters, locks, hot reads).

Values are bytes; the caller owns serialisation. Counters written by `incr` are stored as ASCII
decimal, as Redis does, so `get` on a counter returns e.g. `b"42"` on every adapter.

A cache is not a database: any adapter may drop a key early (eviction, restart). Callers must
treat a miss as "recompute", never as "does not exist".
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping

NAMESPACE_SEPARATOR = ":"


class CacheError(Exception):
    """Base class of every error the cache raises on purpose."""


class CacheUnavailableError(CacheError):
    """The backend could not be reached. A pure cache read may treat it as a miss."""


class NotAnIntegerError(CacheError, ValueError):
    """`incr` on a key whose value is not a decimal integer."""


def check_ttl(ttl: float | None) -> None:
    if ttl is not None and not ttl > 0:  # `not >` also refuses NaN
        raise ValueError(f"ttl must be a positive number of seconds, got {ttl!r}")


class Cache(abc.ABC):
    @abc.abstractmethod
    async def get(self, key: str) -> bytes | None:
        """The value, or None if missing or expired."""

    @abc.abstractmethod
    async def set(self, key: str, value: bytes, *, ttl: float | None = None) -> None:
        """Store `value`; `ttl` seconds until it expires (None: until evicted or deleted)."""

    @abc.abstractmethod
    async def delete(self, key: str) -> None:
        """Remove the key if present."""

    @abc.abstractmethod
    async def incr(self, key: str, amount: int = 1, *, ttl: float | None = None) -> int:
        """Atomically add `amount` (a missing key counts as 0) and return the new value.

        `ttl` is applied only when the key has no expiry, in particular when this call creates
        it; an existing expiry is never extended, which is what a fixed window needs.
        """

    @abc.abstractmethod
    async def set_if_absent(self, key: str, value: bytes, *, ttl: float | None) -> bool:
        """Store `value` only if the key is missing; True if stored. Atomic: one winner per key.

        Pass a ttl for locks, so that a holder that dies cannot keep the lock forever.
        """

    @abc.abstractmethod
    async def ttl(self, key: str) -> float | None:
        """Seconds until the key expires; None if it is missing or never expires."""

    async def get_many(self, keys: Iterable[str]) -> dict[str, bytes]:
        """The values of the keys that are present (missing keys are left out)."""
        found = {}
        for key in keys:
            if (value := await self.get(key)) is not None:
                found[key] = value
        return found

    async def set_many(self, items: Mapping[str, bytes], *, ttl: float | None = None) -> None:
        """Store every item with the same ttl. Not atomic as a whole."""
        for key, value in items.items():
            await self.set(key, value, ttl=ttl)

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections. Only the owner of the root cache should call it."""

    def namespaced(self, namespace: str) -> Cache:
        """A view whose keys live under `namespace:`; one per service, so keys never collide."""
        return NamespacedCache(self, namespace)


class NamespacedCache(Cache):
    """Prefixes every key; nesting composes (`a:b:key`). Closing a view is a no-op."""

    def __init__(self, inner: Cache, namespace: str) -> None:
        if not namespace or NAMESPACE_SEPARATOR in namespace:
            raise ValueError(f"namespace must be non-empty, without {NAMESPACE_SEPARATOR!r}: {namespace!r}")
        self._inner = inner
        self._prefix = f"{namespace}{NAMESPACE_SEPARATOR}"

    @property
    def prefix(self) -> str:
        return self._prefix

    def _key(self, key: str) -> str:
        return self._prefix + key

    async def get(self, key: str) -> bytes | None:
        return await self._inner.get(self._key(key))

    async def set(self, key: str, value: bytes, *, ttl: float | None = None) -> None:
        await self._inner.set(self._key(key), value, ttl=ttl)

    async def delete(self, key: str) -> None:
        await self._inner.delete(self._key(key))

    async def incr(self, key: str, amount: int = 1, *, ttl: float | None = None) -> int:
        return await self._inner.incr(self._key(key), amount, ttl=ttl)

    async def set_if_absent(self, key: str, value: bytes, *, ttl: float | None) -> bool:
        return await self._inner.set_if_absent(self._key(key), value, ttl=ttl)

    async def ttl(self, key: str) -> float | None:
        return await self._inner.ttl(self._key(key))

    async def get_many(self, keys: Iterable[str]) -> dict[str, bytes]:
        keys = list(keys)
        found = await self._inner.get_many([self._key(key) for key in keys])
        return {key: found[self._key(key)] for key in keys if self._key(key) in found}

    async def set_many(self, items: Mapping[str, bytes], *, ttl: float | None = None) -> None:
        await self._inner.set_many({self._key(key): value for key, value in items.items()}, ttl=ttl)

    def namespaced(self, namespace: str) -> Cache:
        return NamespacedCache(self, namespace)
