"""One outbound call, guarded by every pattern in the right order.

    retry( bulkhead( breaker( timeout( call ) ) ) )

* retry is outermost so each attempt is judged afresh by the others; it does not retry
  `CircuitOpenError` or `BulkheadFullError` by default, so an open circuit ends the retries;
* the bulkhead sits outside the breaker, so local saturation never counts as an upstream failure;
* the timeout is innermost: a hung call is a failure the breaker counts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from cinemesh.platform.resilience.breaker import CircuitBreaker
from cinemesh.platform.resilience.bulkhead import Bulkhead
from cinemesh.platform.resilience.retry import DEFAULT_RETRY_ON, RetryBudget, RetryOn, retry

T = TypeVar("T")


async def call_with_timeout(fn: Callable[[], Awaitable[T]], seconds: float | None) -> T:
    """`fn()`, cancelled after `seconds` and turned into a `TimeoutError` (None: no limit)."""
    async with asyncio.timeout(seconds):
        return await fn()


@dataclass(frozen=True, slots=True)
class RetrySettings:
    attempts: int = 3
    base_delay: float = 0.05
    max_delay: float = 1.0
    retry_on: RetryOn = DEFAULT_RETRY_ON
    budget: RetryBudget | None = field(default_factory=RetryBudget)


@dataclass(slots=True)
class ResiliencePolicy:
    name: str
    timeout: float | None = None
    breaker: CircuitBreaker | None = None
    bulkhead: Bulkhead | None = None
    retry: RetrySettings | None = None

    @classmethod
    def for_upstream(
        cls, name: str, *, timeout: float = 10.0, max_concurrent: int = 64, retries: bool = True
    ) -> ResiliencePolicy:
        """The platform defaults; `timeout` and `max_concurrent` come from the upstream settings."""
        return cls(
            name=name,
            timeout=timeout,
            breaker=CircuitBreaker(name, failure_threshold=5, reset_timeout=15.0, half_open_max_calls=1),
            bulkhead=Bulkhead(
                name, max_concurrent=max_concurrent, max_queue=max_concurrent, queue_timeout=1.0
            ),
            retry=RetrySettings() if retries else None,
        )

    async def call(self, fn: Callable[[], Awaitable[T]]) -> T:
        async def attempt() -> T:
            async def timed() -> T:
                return await call_with_timeout(fn, self.timeout)

            async def guarded() -> T:
                return await (self.breaker.call(timed) if self.breaker else timed())

            return await (self.bulkhead.call(guarded) if self.bulkhead else guarded())

        if self.retry is None:
            return await attempt()
        r = self.retry
        return await retry(
            attempt,
            attempts=r.attempts,
            base_delay=r.base_delay,
            max_delay=r.max_delay,
            retry_on=r.retry_on,
            budget=r.budget,
        )
