"""Token buckets, kept as GCRA (the generic cell rate algorithm): one number per bucket.

A bucket holds `quota` units and refills `quota` per `window_seconds`, continuously. GCRA stores
only the bucket's "theoretical arrival time" (TAT): the moment it would be full again. A take of
`cost` units moves the TAT on by `cost * window / quota`; it is refused when that would put the
TAT more than one window ahead of now (the bucket would go below empty). From the TAT follow the
remaining units (`(window - (tat - now)) / interval`) and the time until the bucket is full
(`tat - now`), which are what the RateLimit header fields report.

One request may take from several buckets at once (its user's and its address's): either every
bucket has room and all are charged, or none is charged and the request is refused. A refused
request costs nothing, so a client hammering a full bucket does not keep itself locked out.
"""

from __future__ import annotations

import abc
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

Unit = Literal["requests", "content-bytes"]


@dataclass(frozen=True, slots=True)
class BucketPolicy:
    """`quota` units per `window_seconds`; `name` is what the RateLimit-Policy field calls it."""

    name: str
    quota: int
    window_seconds: float
    unit: Unit = "requests"

    def __post_init__(self) -> None:
        if self.quota < 1 or not self.window_seconds > 0:
            raise ValueError(f"policy {self.name!r}: quota must be >= 1 and the window > 0")

    @property
    def interval(self) -> float:
        """Seconds one unit takes to come back."""
        return self.window_seconds / self.quota


@dataclass(frozen=True, slots=True)
class Take:
    """`cost` units from the bucket `key` of `policy` (the key names whose bucket it is)."""

    key: str
    policy: BucketPolicy
    cost: int = 1


@dataclass(frozen=True, slots=True)
class BucketState:
    policy: BucketPolicy
    remaining: int  # units left now (after this take, if it was allowed)
    reset_after: float  # seconds until the bucket is full again
    retry_after: float  # 0 when allowed; else seconds until this take would fit


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    states: tuple[BucketState, ...]

    @property
    def retry_after(self) -> float:
        return max((state.retry_after for state in self.states), default=0.0)


def gcra(tat: float | None, now: float, policy: BucketPolicy, cost: int) -> tuple[float, BucketState]:
    """The bucket's new TAT if the take is allowed, and its state either way."""
    window, interval = policy.window_seconds, policy.interval
    tat = now if tat is None or tat < now else tat
    new_tat = tat + cost * interval
    if new_tat - now > window + 1e-9:
        remaining = math.floor((window - (tat - now)) / interval + 1e-9)
        return tat, BucketState(policy, max(0, remaining), tat - now, new_tat - now - window)
    remaining = math.floor((window - (new_tat - now)) / interval + 1e-9)
    return new_tat, BucketState(policy, max(0, remaining), new_tat - now, 0.0)


class TokenBuckets(abc.ABC):
    @abc.abstractmethod
    async def take(self, takes: Sequence[Take], *, force: bool = False) -> Decision:
        """Charges every bucket or none. `force` charges even past empty (a debt the bucket pays
        back before it admits again): for costs known only afterwards, such as a body of
        unknown length."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""


class MemoryTokenBuckets(TokenBuckets):
    """Per process (one gateway, or `cinemesh up`): a dict bounded by LRU. Each `take` runs
    without an `await`, so it is atomic on its event loop."""

    def __init__(self, *, max_buckets: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._tats: OrderedDict[str, float] = OrderedDict()
        self._max = max_buckets
        self._clock = clock

    def __len__(self) -> int:
        return len(self._tats)

    async def take(self, takes: Sequence[Take], *, force: bool = False) -> Decision:
        now = self._clock()
        results = [gcra(self._tats.get(take.key), now, take.policy, take.cost) for take in takes]
        allowed = all(state.retry_after == 0 for _, state in results)
        states = tuple(
            # Nothing is charged: a bucket that had room reports itself as it stays.
            state
            if allowed or state.retry_after > 0
            else gcra(self._tats.get(take.key), now, take.policy, 0)[1]
            for take, (_, state) in zip(takes, results, strict=True)
        )
        if allowed or force:
            for take, (new_tat, _) in zip(takes, results, strict=True):
                tat = self._tats.get(take.key)
                start = now if tat is None or tat < now else tat
                self._tats[take.key] = new_tat if allowed else start + take.cost * take.policy.interval
                self._tats.move_to_end(take.key)
            while len(self._tats) > self._max:
                self._tats.popitem(last=False)
        return Decision(allowed, states)
