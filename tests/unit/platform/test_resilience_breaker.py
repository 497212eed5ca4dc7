"""Circuit breaker: deterministic, on a fake clock."""

from __future__ import annotations

import asyncio

import pytest

from cinemesh.platform.resilience import (
    CircuitOpenError,
    CircuitState,
)
from tests.unit.platform._resilience_fakes import Boom, FakeClock, fail, make_breaker, ok, trip

# -- circuit breaker ---------------------------------------------------------------------------


async def test_breaker_opens_after_consecutive_failures_and_fails_fast() -> None:
    clock = FakeClock()
    breaker = make_breaker(clock)
    await trip(breaker, 2)
    assert breaker.state is CircuitState.CLOSED
    assert breaker.failure_count == 2
    await trip(breaker, 1)
    assert breaker.state is CircuitState.OPEN

    calls = 0

    async def counted() -> str:
        nonlocal calls
        calls += 1
        return "ok"

    clock.advance(4)
    with pytest.raises(CircuitOpenError) as refused:
        await breaker.call(counted)
    assert calls == 0  # the upstream was not touched
    assert refused.value.retry_after == pytest.approx(6.0)


async def test_success_resets_the_consecutive_failure_count() -> None:
    breaker = make_breaker(FakeClock())
    await trip(breaker, 2)
    assert await breaker.call(ok) == "ok"
    await trip(breaker, 2)
    assert breaker.state is CircuitState.CLOSED


async def test_half_open_probe_success_closes() -> None:
    clock = FakeClock()
    breaker = make_breaker(clock)
    await trip(breaker, 3)
    clock.advance(10)
    assert breaker.state is CircuitState.HALF_OPEN
    assert await breaker.call(ok) == "ok"
    assert breaker.state is CircuitState.CLOSED
    assert breaker.failure_count == 0


async def test_half_open_probe_failure_reopens_and_restarts_the_timer() -> None:
    clock = FakeClock()
    breaker = make_breaker(clock)
    await trip(breaker, 3)
    clock.advance(10)
    await trip(breaker, 1)  # the probe
    assert breaker.state is CircuitState.OPEN
    clock.advance(9.9)
    assert breaker.state is CircuitState.OPEN
    clock.advance(0.1)
    assert breaker.state is CircuitState.HALF_OPEN


async def test_half_open_admits_only_max_probes_at_once() -> None:
    clock = FakeClock()
    breaker = make_breaker(clock, half_open_max_calls=1)
    await trip(breaker, 3)
    clock.advance(10)
    release = asyncio.Event()

    async def slow_probe() -> str:
        await release.wait()
        return "ok"

    probe = asyncio.create_task(breaker.call(slow_probe))
    await asyncio.sleep(0)
    with pytest.raises(CircuitOpenError):
        await breaker.call(ok)
    release.set()
    assert await probe == "ok"
    assert breaker.state is CircuitState.CLOSED


async def test_stale_outcomes_from_before_a_transition_are_ignored() -> None:
    clock = FakeClock()
    breaker = make_breaker(clock, failure_threshold=1)
    release = asyncio.Event()

    async def straggler() -> str:
        await release.wait()
        raise Boom

    slow = asyncio.create_task(breaker.call(straggler))
    await asyncio.sleep(0)
    await trip(breaker, 1)  # opens
    clock.advance(10)
    assert await breaker.call(ok) == "ok"  # probe closes
    release.set()
    with pytest.raises(Boom):
        await slow
    assert breaker.state is CircuitState.CLOSED  # the old call's failure did not re-open it


async def test_non_failure_exceptions_and_cancellation_do_not_count() -> None:
    breaker = make_breaker(FakeClock(), failure_threshold=1, failure_on=(ConnectionError,))
    with pytest.raises(Boom):  # e.g. a 404: the upstream is healthy
        await breaker.call(fail)
    assert breaker.state is CircuitState.CLOSED

    task = asyncio.create_task(breaker.call(asyncio.Event().wait))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert breaker.state is CircuitState.CLOSED


async def test_breaker_as_context_manager_and_state_listener() -> None:
    clock = FakeClock()
    changes: list[tuple[str, CircuitState, CircuitState]] = []
    breaker = make_breaker(clock, failure_threshold=2, on_state_change=lambda *c: changes.append(c))

    async def guarded(should_fail: bool) -> None:
        async with breaker:
            if should_fail:
                raise Boom

    # Concurrent tasks through one breaker: each keeps its own permit.
    results = await asyncio.gather(guarded(True), guarded(False), guarded(True), return_exceptions=True)
    assert [type(r) for r in results] == [Boom, type(None), Boom]
    assert breaker.state is CircuitState.CLOSED  # the success in between reset the count
    assert breaker.failure_count == 1
    with pytest.raises(Boom):
        await guarded(True)
    with pytest.raises(CircuitOpenError):
        await guarded(False)
    clock.advance(10)
    await guarded(False)
    assert changes == [
        ("users", CircuitState.CLOSED, CircuitState.OPEN),
        ("users", CircuitState.OPEN, CircuitState.HALF_OPEN),
        ("users", CircuitState.HALF_OPEN, CircuitState.CLOSED),
    ]
