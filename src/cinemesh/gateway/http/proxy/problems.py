"""What the proxy answers when an upstream cannot: 503 (breaker open, bulkhead full), 504 (no
first byte in time), 502 (unreachable); each failure is counted by reason."""

from __future__ import annotations

from cinemesh.platform.metrics import UPSTREAM_FAILURES
from cinemesh.platform.problems import Problem
from cinemesh.platform.resilience import BulkheadFullError, CircuitOpenError


def upstream_problem(name: str, exc: Exception) -> Problem:
    """What the client is told when `name` could not answer (and the failure is counted)."""
    if isinstance(exc, CircuitOpenError):
        reason, problem = (
            "circuit_open",
            Problem(
                503,
                f"The {name} service is unavailable; try again shortly.",
                code="upstream-unavailable",
                headers={"Retry-After": "5"},
            ),
        )
    elif isinstance(exc, BulkheadFullError):
        reason, problem = (
            "bulkhead_full",
            Problem(
                503,
                f"The {name} service is at capacity; try again shortly.",
                code="upstream-busy",
                headers={"Retry-After": "1"},
            ),
        )
    elif isinstance(exc, TimeoutError):
        reason = "timeout"
        problem = Problem(504, f"The {name} service did not answer in time.", code="upstream-timeout")
    else:
        reason = "unreachable"
        problem = Problem(502, f"The {name} service cannot be reached.", code="upstream-unreachable")
    UPSTREAM_FAILURES.labels(name, reason).inc()
    return problem
