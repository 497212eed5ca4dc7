"""Fakes shared by the resilience tests: a clock, a failing call, a breaker on that clock."""

from __future__ import annotations

import pytest

from cinemesh.platform.resilience import CircuitBreaker


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Boom(Exception):
    pass


async def ok() -> str:
    return "ok"


async def fail() -> str:
    raise Boom


async def trip(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        with pytest.raises(Boom):
            await breaker.call(fail)


def make_breaker(clock: FakeClock, **kwargs: object) -> CircuitBreaker:
    options: dict[str, object] = {"failure_threshold": 3, "reset_timeout": 10.0, "clock": clock}
    options.update(kwargs)
    return CircuitBreaker("users", **options)  # type: ignore[arg-type]
