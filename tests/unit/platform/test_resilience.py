"""Bulkhead, retry, timeout and policy: deterministic, on a fake clock and fake sleep."""

from __future__ import annotations

import asyncio
import random

import pytest

from cinemesh.platform.resilience import (
    Bulkhead,
    BulkheadFullError,
    CircuitBreaker,
    CircuitOpenError,
    CircuitState,
    ResiliencePolicy,
    RetryBudget,
    RetrySettings,
    backoff_delay,
    call_with_timeout,
    retry,
)
from tests.unit.platform._resilience_fakes import Boom, FakeClock, ok

# -- bulkhead ----------------------------------------------------------------------------------


async def test_bulkhead_limits_concurrency_and_rejects_when_full() -> None:
    bulkhead = Bulkhead("media", max_concurrent=2)
    release = asyncio.Event()
    running = peak = 0

    async def work() -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await release.wait()
        running -= 1

    tasks = [asyncio.create_task(bulkhead.call(work)) for _ in range(2)]
    await asyncio.sleep(0)
    assert bulkhead.active == 2
    with pytest.raises(BulkheadFullError):
        await bulkhead.call(work)
    release.set()
    await asyncio.gather(*tasks)
    assert peak == 2
    assert bulkhead.active == 0
    await bulkhead.call(work)  # slots are given back


async def test_bulkhead_queue_is_bounded_and_times_out() -> None:
    bulkhead = Bulkhead("media", max_concurrent=1, max_queue=1, queue_timeout=0.05)
    release = asyncio.Event()
    holder = asyncio.create_task(bulkhead.call(release.wait))
    await asyncio.sleep(0)

    waiter = asyncio.create_task(bulkhead.call(ok))
    await asyncio.sleep(0)
    assert bulkhead.waiting == 1
    with pytest.raises(BulkheadFullError):  # line is full: refused at once
        await bulkhead.call(ok)
    with pytest.raises(BulkheadFullError, match="no slot within"):
        await waiter  # waited its queue_timeout
    assert bulkhead.waiting == 0

    queued = asyncio.create_task(bulkhead.call(ok))
    await asyncio.sleep(0)
    release.set()
    assert await queued == "ok"
    await holder
    assert (bulkhead.active, bulkhead.waiting) == (0, 0)


async def test_bulkhead_context_manager_releases_on_error() -> None:
    bulkhead = Bulkhead("media", max_concurrent=1)
    with pytest.raises(Boom):
        async with bulkhead:
            raise Boom
    assert bulkhead.active == 0


# -- retry -------------------------------------------------------------------------------------


class Flaky:
    def __init__(self, failures: int, error: Exception | None = None) -> None:
        self.failures = failures
        self.calls = 0
        self.error = error or ConnectionError("reset")

    async def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "ok"


class RecordingSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


async def test_retry_until_success_with_jittered_backoff_bounds() -> None:
    sleep = RecordingSleep()
    flaky = Flaky(failures=4)
    result = await retry(flaky, attempts=5, base_delay=0.1, max_delay=0.5, sleep=sleep, rng=random.Random(7))
    assert result == "ok"
    assert flaky.calls == 5
    ceilings = [0.1, 0.2, 0.4, 0.5]  # doubling, capped at max_delay
    assert len(sleep.delays) == 4
    assert all(0 <= delay <= ceiling for delay, ceiling in zip(sleep.delays, ceilings, strict=True))


def test_backoff_is_full_jitter_over_the_whole_range() -> None:
    rng = random.Random(1)
    delays = [backoff_delay(3, base_delay=0.1, max_delay=10, rng=rng) for _ in range(2000)]
    assert 0 <= min(delays) < 0.02 and 0.38 < max(delays) <= 0.4


async def test_retry_gives_up_after_the_last_attempt() -> None:
    flaky = Flaky(failures=10)
    with pytest.raises(ConnectionError):
        await retry(flaky, attempts=3, sleep=RecordingSleep())
    assert flaky.calls == 3


async def test_non_retryable_errors_propagate_immediately() -> None:
    sleep = RecordingSleep()
    flaky = Flaky(failures=1, error=ValueError("bad request"))
    with pytest.raises(ValueError):
        await retry(flaky, attempts=5, sleep=sleep)
    assert flaky.calls == 1
    assert sleep.delays == []

    by_predicate = Flaky(failures=1, error=Boom())
    assert await retry(by_predicate, retry_on=lambda e: isinstance(e, Boom), sleep=sleep) == "ok"


async def test_retry_budget_caps_retries_to_a_share_of_requests() -> None:
    budget = RetryBudget(ratio=0.1, initial_tokens=2, max_tokens=10)
    sleep = RecordingSleep()
    # A total outage: every call fails. Only the reserve and the deposits pay for retries.
    total_calls = 0
    for _ in range(20):
        flaky = Flaky(failures=100)
        with pytest.raises(ConnectionError):
            await retry(flaky, attempts=3, budget=budget, sleep=sleep)
        total_calls += flaky.calls
    retries = total_calls - 20
    assert retries == 2 + 2  # 2 from the reserve + 20 requests * 0.1
    assert budget.tokens < 1


def test_retry_budget_refills_with_requests_up_to_its_cap() -> None:
    budget = RetryBudget(ratio=0.5, initial_tokens=0, max_tokens=3)
    assert not budget.try_spend()
    for _ in range(100):
        budget.record_request()
    assert budget.tokens == 3
    assert budget.try_spend()


async def test_retry_rejects_nonsense_arguments() -> None:
    with pytest.raises(ValueError):
        await retry(ok, attempts=0)


# -- timeout and policy ------------------------------------------------------------------------


async def test_call_with_timeout() -> None:
    assert await call_with_timeout(ok, 1.0) == "ok"
    with pytest.raises(TimeoutError):
        await call_with_timeout(asyncio.Event().wait, 0.01)


async def test_policy_counts_timeouts_as_breaker_failures_and_stops_retrying_when_open() -> None:
    clock = FakeClock()
    policy = ResiliencePolicy(
        name="catalog",
        timeout=0.01,
        breaker=CircuitBreaker("catalog", failure_threshold=2, reset_timeout=10, clock=clock),
        bulkhead=Bulkhead("catalog", max_concurrent=4),
        retry=RetrySettings(attempts=5, base_delay=0, max_delay=0, budget=None),
    )
    calls = 0

    async def hangs() -> str:
        nonlocal calls
        calls += 1
        await asyncio.Event().wait()
        return "never"

    # Two timeouts (retried: TimeoutError is retryable) open the breaker; the third attempt is
    # refused by the breaker, and CircuitOpenError is not retried.
    with pytest.raises(CircuitOpenError):
        await policy.call(hangs)
    assert calls == 2
    assert policy.bulkhead is not None and policy.bulkhead.active == 0


def test_policy_defaults_for_an_upstream() -> None:
    policy = ResiliencePolicy.for_upstream("users", timeout=3.0, max_concurrent=8)
    assert policy.timeout == 3.0
    assert policy.breaker is not None and policy.breaker.state is CircuitState.CLOSED
    assert policy.retry is not None and policy.retry.budget is not None
