"""Prometheus metrics shared by every service app.

One process may host all services (`cinemesh up`), so series carry a `service` label instead of
each app owning a registry; `/metrics` on any app exposes the process's registry, to a scraper
holding the metrics token only (`metrics_response`).
"""

from __future__ import annotations

import hmac

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.responses import Response

from cinemesh.platform.problems import Problem

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


def metrics_response(authorization: str | None, token: str | None) -> Response:
    """The registry, for a request bearing `token` (CINEMESH_METRICS_TOKEN).

    `/metrics` sits on the API port, which is public: route names, upstream failures, live
    streams and request rates are reconnaissance for an attacker. Without a token set it is
    not served at all; with one, a scraper sends it as a bearer token (Prometheus:
    `authorization: {credentials_file: ...}`), compared in constant time.
    """
    if not token:
        raise Problem(
            404, "Metrics are served only when CINEMESH_METRICS_TOKEN is set.", code="metrics-disabled"
        )
    expected = f"Bearer {token}".encode()
    if not hmac.compare_digest((authorization or "").encode(), expected):
        raise Problem(
            401,
            "Metrics need the metrics bearer token.",
            code="metrics-token-required",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
