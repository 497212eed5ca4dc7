"""Retries of idempotent calls, within a budget (Finagle's RetryBudget, Envoy's retry budget).

A retry is only for a call that failed before its answer began: the connection could not be
made or broke before a status line came (a replica killed, a keep-alive connection the server
had closed), or the upstream answered 502 or 503 (a replica stopping, or one whose own
dependency is away). Never for a call that timed out once sent (the service may still be
working on it), never once a byte of the answer has gone to the client, never past the
gateway's first-byte deadline (the whole call, retries included, is cancelled there).

Only GET, HEAD and OPTIONS are retried. PUT and DELETE are idempotent by RFC 9110, but here a
PUT or DELETE that reached a service before the connection broke has already published its
event (a progress heartbeat, a removed profile): repeating it would publish it twice, so they
are not retried.

The budget bounds the load retries add when a service is down altogether: over a sliding window
(10 s) retries may be at most `ratio` of the requests (20 %) plus a floor (`min_per_second`,
so a quiet gateway can still retry). Without it, every request to a dead service would cost
1 + attempts calls and a struggling service would get more load the worse it does.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from prometheus_client import Counter

from cinemesh.platform.logging import get_logger

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})
RETRIED_STATUSES = frozenset({502, 503})
# Failures before any byte of a request could have been processed, or with the answer not begun.
RETRIED_ERRORS: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.RemoteProtocolError,
)

RETRIES = Counter(
    "cinemesh_gateway_retries_total",
    "Retries of idempotent upstream calls, by upstream and outcome (retried, budget_exhausted, "
    "deadline, attempts_exhausted).",
    ["upstream", "outcome"],
)

log = get_logger("cinemesh.gateway.retries")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 2  # calls in all, the first included; 1 turns retries off
    backoff_base: float = 0.025
    backoff_max: float = 0.25
    budget_ratio: float = 0.2
    budget_min_per_second: float = 1.0
    budget_window: float = 10.0

    def backoff(self, retry: int, rand: Callable[[], float] = random.random) -> float:
        """Full jitter (AWS's 'Exponential Backoff And Jitter'): uniform in [0, base * 2^retry]."""
        return rand() * min(self.backoff_max, self.backoff_base * 2.0**retry)


class RetryBudget:
    """Requests and retries per second over a sliding window of whole seconds: a retry may be
    made while the window's retries stay under `ratio` of its requests plus the floor."""

    def __init__(self, policy: RetryPolicy, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self.clock = clock
        self.slots = max(1, round(policy.budget_window))
        self._seconds = [-1] * self.slots
        self._requests = [0] * self.slots
        self._retries = [0] * self.slots

    def _slot(self) -> int:
        second = int(self.clock())
        slot = second % self.slots
        if self._seconds[slot] != second:
            self._seconds[slot], self._requests[slot], self._retries[slot] = second, 0, 0
        return slot

    def _window(self) -> tuple[int, int]:
        oldest = int(self.clock()) - self.slots
        live = [i for i, second in enumerate(self._seconds) if second > oldest]
        return sum(self._requests[i] for i in live), sum(self._retries[i] for i in live)

    def request(self) -> None:
        self._requests[self._slot()] += 1

    def try_retry(self) -> bool:
        requests, retries = self._window()
        floor = self.policy.budget_min_per_second * self.policy.budget_window
        if retries + 1 > floor + self.policy.budget_ratio * requests:
            return False
        self._retries[self._slot()] += 1
        return True


class Retries:
    """One upstream's retry decisions: its policy, its budget, its deadline."""

    def __init__(self, name: str, policy: RetryPolicy, deadline: float) -> None:
        self.name = name
        self.policy = policy
        self.budget = RetryBudget(policy)
        self.deadline = deadline

    def begin(self, method: str) -> bool:
        """Counts a request against the budget; whether it may be retried at all."""
        self.budget.request()
        return method in IDEMPOTENT and self.policy.attempts > 1

    def next_delay(self, attempt: int, started: float, reason: str) -> float | None:
        """The wait before retry number `attempt` (1, 2, ...), or None if it may not be made."""
        if attempt >= self.policy.attempts:
            self._refused("attempts_exhausted", reason)
            return None
        delay = self.policy.backoff(attempt - 1)
        if time.monotonic() + delay >= started + self.deadline:
            self._refused("deadline", reason)
            return None
        if not self.budget.try_retry():
            self._refused("budget_exhausted", reason)
            return None
        RETRIES.labels(self.name, "retried").inc()
        return delay

    def _refused(self, outcome: str, reason: str) -> None:
        RETRIES.labels(self.name, outcome).inc()
        if outcome == "budget_exhausted":
            log.warning("retry_budget_exhausted", upstream=self.name, reason=reason)
