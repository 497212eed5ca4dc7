"""In-process cache: bounded LRU with per-key TTLs on a monotonic clock.

Every operation is synchronous inside its coroutine (no `await` between read and write), so on
one event loop each call is atomic without a lock; `incr` from 200 tasks yields 200. It is not
shared between processes: for more than one worker use the Redis adapter.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from cinemesh.platform.cache.base import Cache, NotAnIntegerError, check_ttl


@dataclass(slots=True)
class _Entry:
    value: bytes
    expires_at: float | None  # on the cache's clock


class MemoryCache(Cache):
    def __init__(self, *, max_entries: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()  # least recently used first

    def __len__(self) -> int:
        return len(self._entries)

    def _live(self, key: str) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires_at is not None and entry.expires_at <= self._clock():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry

    def _store(self, key: str, entry: _Entry) -> None:
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def _expiry(self, ttl: float | None) -> float | None:
        check_ttl(ttl)
        return None if ttl is None else self._clock() + ttl

    async def get(self, key: str) -> bytes | None:
        entry = self._live(key)
        return None if entry is None else entry.value

    async def set(self, key: str, value: bytes, *, ttl: float | None = None) -> None:
        self._store(key, _Entry(bytes(value), self._expiry(ttl)))

    async def delete(self, key: str) -> None:
        self._entries.pop(key, None)

    async def incr(self, key: str, amount: int = 1, *, ttl: float | None = None) -> int:
        expires_at = self._expiry(ttl)
        entry = self._live(key)
        if entry is None:
            self._store(key, _Entry(str(amount).encode(), expires_at))
            return amount
        try:
            value = int(entry.value) + amount
        except ValueError:
            raise NotAnIntegerError(f"value of {key!r} is not an integer") from None
        entry.value = str(value).encode()
        if entry.expires_at is None:
            entry.expires_at = expires_at
        return value

    async def set_if_absent(self, key: str, value: bytes, *, ttl: float | None) -> bool:
        expires_at = self._expiry(ttl)
        if self._live(key) is not None:
            return False
        self._store(key, _Entry(bytes(value), expires_at))
        return True

    async def ttl(self, key: str) -> float | None:
        entry = self._live(key)
        if entry is None or entry.expires_at is None:
            return None
        return max(0.0, entry.expires_at - self._clock())

    async def close(self) -> None:
        self._entries.clear()
