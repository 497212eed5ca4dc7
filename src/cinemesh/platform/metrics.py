"""Prometheus metrics shared by every service app.

One process may host all services (`cinemesh up`), so series carry a `service` label instead of
each app owning a registry; `/metrics` on any app exposes the process's registry.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

HTTP_REQUEST_SECONDS = Histogram(
    "cinemesh_http_request_duration_seconds",
    "Time to answer an HTTP request, by service, route template and status.",
    ["service", "method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

UPSTREAM_FAILURES = Counter(
    "cinemesh_gateway_upstream_failures_total",
    "Requests the gateway could not complete upstream, by upstream and reason.",
    ["upstream", "reason"],
)
