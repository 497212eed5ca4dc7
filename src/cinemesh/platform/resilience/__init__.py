"""Resilience patterns for outbound calls: circuit breaker, bulkhead, retry with budget, timeout."""

from __future__ import annotations

from cinemesh.platform.resilience.breaker import CircuitBreaker, CircuitOpenError, CircuitState
from cinemesh.platform.resilience.bulkhead import Bulkhead, BulkheadFullError
from cinemesh.platform.resilience.policy import ResiliencePolicy, RetrySettings, call_with_timeout
from cinemesh.platform.resilience.retry import DEFAULT_RETRY_ON, RetryBudget, backoff_delay, retry

__all__ = [
    "DEFAULT_RETRY_ON",
    "Bulkhead",
    "BulkheadFullError",
    "CircuitBreaker",
    "CircuitOpenError",
    "CircuitState",
    "ResiliencePolicy",
    "RetryBudget",
    "RetrySettings",
    "backoff_delay",
    "call_with_timeout",
    "retry",
]
