"""Circuit breaker: stop calling an upstream that keeps failing, and probe it before trusting it again.

    closed --(failure_threshold consecutive failures)--> open
    open --(reset_timeout elapsed)--> half-open
    half-open --(a probe succeeds)--> closed
    half-open --(a probe fails)--> open (the timer restarts)

While open, calls fail at once with `CircuitOpenError` instead of waiting on a dead upstream.
In half-open, at most `half_open_max_calls` probes run at a time; other calls fail fast.

Every transition bumps a generation number and each call remembers the generation it started
in: the outcome of a slow call that began before a transition says nothing about the current
state and is ignored, so a straggler from the old closed period cannot re-open a breaker that
a probe just closed.

Single event loop only (no locks): state changes happen synchronously, between awaits.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import TypeVar

T = TypeVar("T")


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitOpenError(Exception):
    """The breaker refused the call without trying it."""

    def __init__(self, name: str, retry_after: float) -> None:
        super().__init__(f"circuit {name!r} is open; retry in {retry_after:.2f}s")
        self.name = name
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class _Permit:
    generation: int
    probe: bool


StateListener = Callable[[str, CircuitState, CircuitState], None]  # (name, old, new)


class CircuitBreaker:
    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int = 5,
        reset_timeout: float = 15.0,
        half_open_max_calls: int = 1,
        failure_on: tuple[type[BaseException], ...] = (Exception,),
        clock: Callable[[], float] = time.monotonic,
        on_state_change: StateListener | None = None,
    ) -> None:
        if failure_threshold < 1 or half_open_max_calls < 1 or reset_timeout <= 0:
            raise ValueError("failure_threshold and half_open_max_calls must be >= 1, reset_timeout > 0")
        self.name = name
        self._failure_threshold = failure_threshold
        self._reset_timeout = reset_timeout
        self._half_open_max_calls = half_open_max_calls
        # Exceptions outside `failure_on` mean the upstream answered (say, a 404 raised as an
        # error): they count as successes. Cancellation counts as neither.
        self._failure_on = failure_on
        self._clock = clock
        self._on_state_change = on_state_change
        self._state = CircuitState.CLOSED
        self._generation = 0
        self._failures = 0
        self._opened_at = 0.0
        self._probes_in_flight = 0
        self._permits: ContextVar[tuple[_Permit, ...]] = ContextVar(f"breaker_{name}", default=())

    @property
    def state(self) -> CircuitState:
        # Open -> half-open is driven by the clock, so it is evaluated lazily, on observation.
        if self._state is CircuitState.OPEN and self._clock() - self._opened_at >= self._reset_timeout:
            self._transition(CircuitState.HALF_OPEN)
        return self._state

    @property
    def failure_count(self) -> int:
        """Consecutive failures counted in the current closed period."""
        return self._failures

    def _transition(self, new: CircuitState) -> None:
        old, self._state = self._state, new
        self._generation += 1
        self._failures = 0
        self._probes_in_flight = 0
        if new is CircuitState.OPEN:
            self._opened_at = self._clock()
        if self._on_state_change is not None and old is not new:
            self._on_state_change(self.name, old, new)

    def _acquire(self) -> _Permit:
        state = self.state
        if state is CircuitState.OPEN:
            retry_after = max(0.0, self._opened_at + self._reset_timeout - self._clock())
            raise CircuitOpenError(self.name, retry_after)
        if state is CircuitState.HALF_OPEN:
            if self._probes_in_flight >= self._half_open_max_calls:
                raise CircuitOpenError(self.name, 0.0)
            self._probes_in_flight += 1
            return _Permit(self._generation, probe=True)
        return _Permit(self._generation, probe=False)

    def _release(self, permit: _Permit, exc: BaseException | None) -> None:
        if permit.generation != self._generation:
            return  # started under an earlier state: its outcome is stale
        if permit.probe:
            self._probes_in_flight -= 1
        if exc is not None and not isinstance(exc, Exception):
            return  # cancelled or interrupted: tells nothing about the upstream
        if exc is not None and isinstance(exc, self._failure_on):
            self._record_failure()
        else:
            self._record_success()

    def _record_success(self) -> None:
        if self._state is CircuitState.HALF_OPEN:
            self._transition(CircuitState.CLOSED)
        else:
            self._failures = 0

    def _record_failure(self) -> None:
        if self._state is CircuitState.HALF_OPEN:
            self._transition(CircuitState.OPEN)
            return
        self._failures += 1
        if self._failures >= self._failure_threshold:
            self._transition(CircuitState.OPEN)

    async def call(self, fn: Callable[[], Awaitable[T]]) -> T:
        permit = self._acquire()
        try:
            result = await fn()
        except BaseException as exc:
            self._release(permit, exc)
            raise
        self._release(permit, None)
        return result

    # `async with breaker:` keeps each call's permit in a context variable, so one breaker can
    # guard many concurrent tasks (each task has its own context) and nest within one task.
    async def __aenter__(self) -> CircuitBreaker:
        permit = self._acquire()
        self._permits.set((*self._permits.get(), permit))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        *rest, permit = self._permits.get()
        self._permits.set(tuple(rest))
        self._release(permit, exc)
