"""Retries with capped exponential backoff, full jitter, and a retry budget.

Full jitter (sleep a uniform random time in [0, min(max_delay, base_delay * 2**n)]) spreads
the retries of many clients that failed together, instead of having them return in lockstep.

The budget caps retries at a fraction of requests (a token bucket: every request deposits
`ratio` tokens, every retry spends one). Without it, retries multiply the load on an upstream
exactly when it is failing from overload; with it, a broad outage costs at most `ratio` extra
load while isolated blips are still retried.

Retry only idempotent operations.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

RetryOn = tuple[type[BaseException], ...] | Callable[[BaseException], bool]

# Conservative by default: transport-level trouble, never a bug (ValueError) or a refusal by a
# breaker or bulkhead. An HTTP client passes its own, e.g. (httpx.TransportError,).
DEFAULT_RETRY_ON: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError)

_rng = random.Random()
_SCALE = 1000  # tokens are kept in thousandths: ten deposits of 0.1 must make exactly one token


class RetryBudget:
    def __init__(
        self, *, ratio: float = 0.2, initial_tokens: float = 10.0, max_tokens: float = 100.0
    ) -> None:
        if not 0 <= ratio <= 1 or initial_tokens < 0 or max_tokens < 1:
            raise ValueError("ratio must be in [0, 1], initial_tokens >= 0, max_tokens >= 1")
        self._deposit = round(ratio * _SCALE)
        self._max_tokens = round(max_tokens * _SCALE)
        # A starting reserve lets a freshly started process retry before it has seen traffic.
        self._tokens = min(round(initial_tokens * _SCALE), self._max_tokens)

    @property
    def tokens(self) -> float:
        return self._tokens / _SCALE

    def record_request(self) -> None:
        self._tokens = min(self._max_tokens, self._tokens + self._deposit)

    def try_spend(self) -> bool:
        if self._tokens >= _SCALE:
            self._tokens -= _SCALE
            return True
        return False


def backoff_delay(
    retry_number: int, *, base_delay: float, max_delay: float, rng: random.Random = _rng
) -> float:
    """Seconds to sleep before retry `retry_number` (1 for the first retry): full jitter."""
    ceiling = min(max_delay, base_delay * 2 ** (retry_number - 1))
    return rng.uniform(0, ceiling)


def _retryable(exc: BaseException, retry_on: RetryOn) -> bool:
    if isinstance(retry_on, tuple):
        return isinstance(exc, retry_on)
    return retry_on(exc)


async def retry(
    fn: Callable[[], Awaitable[T]],
    *,
    attempts: int = 3,
    base_delay: float = 0.05,
    max_delay: float = 1.0,
    retry_on: RetryOn = DEFAULT_RETRY_ON,
    budget: RetryBudget | None = None,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    rng: random.Random = _rng,
) -> T:
    """Await `fn()` up to `attempts` times; re-raise the last error when retries are exhausted.

    A non-retryable error, or a retryable one when the budget is spent, propagates at once.
    Cancellation is never retried (it is not an `Exception`).
    """
    if attempts < 1 or base_delay < 0 or max_delay < 0:
        raise ValueError("attempts must be >= 1 and delays >= 0")
    if budget is not None:
        budget.record_request()
    for attempt in range(1, attempts + 1):
        try:
            return await fn()
        except Exception as exc:
            if attempt == attempts or not _retryable(exc, retry_on):
                raise
            if budget is not None and not budget.try_spend():
                raise
        await sleep(backoff_delay(attempt, base_delay=base_delay, max_delay=max_delay, rng=rng))
    raise AssertionError("unreachable: the last attempt returns or raises")
