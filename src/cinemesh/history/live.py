"""Which open streams follow which profile, woken when the profile's history changes.

A use case calls `ProfileHub.publish(profile_id)` after its commit (see
`HistoryService.on_change`). The stream then re-reads what changed after the change number it
sent last: the rows are the truth, a wake-up only says "look". Another history process's
commits do not wake this one's streams; they re-read every `stream_poll_seconds` as well, so a
report applied elsewhere reaches them within that time.
"""

from __future__ import annotations

import asyncio
import contextlib


class Subscriber:
    def __init__(self, profile_id: str) -> None:
        self.profile_id = profile_id
        self.ended = False
        self._signal = asyncio.Event()

    def notify(self) -> None:
        self._signal.set()

    def end(self) -> None:
        self.ended = True
        self._signal.set()

    async def wait(self, timeout: float) -> bool:  # noqa: ASYNC109 (a timeout means: re-read)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._signal.wait()
        woke = self._signal.is_set()
        self._signal.clear()
        return woke


class ProfileHub:
    def __init__(self) -> None:
        self.closed = False
        self._by_profile: dict[str, set[Subscriber]] = {}

    def subscribe(self, profile_id: str) -> Subscriber:
        subscriber = Subscriber(profile_id)
        if self.closed:
            subscriber.end()
        else:
            self._by_profile.setdefault(profile_id, set()).add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        followers = self._by_profile.get(subscriber.profile_id)
        if followers is not None:
            followers.discard(subscriber)
            if not followers:
                del self._by_profile[subscriber.profile_id]

    def publish(self, profile_id: str) -> None:
        for subscriber in self._by_profile.get(profile_id, ()):
            subscriber.notify()

    def close(self) -> None:
        """Shutdown: every stream ends (its client reconnects elsewhere with Last-Event-ID)."""
        self.closed = True
        for followers in self._by_profile.values():
            for subscriber in followers:
                subscriber.end()
        self._by_profile.clear()

    @property
    def subscriber_count(self) -> int:
        return sum(len(followers) for followers in self._by_profile.values())
