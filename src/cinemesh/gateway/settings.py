"""Gateway settings (`CINEMESH_GATEWAY_*`): rate limits and the proxies it trusts.

Limits are token buckets: `quota` units that refill at `quota` per window, so a client may burst
to the quota and then goes on at the quota's average rate. 0 turns that bucket off.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings

from cinemesh.platform.settings import settings_config

GIB = 1024**3


class GatewaySettings(BaseSettings):
    model_config = settings_config("CINEMESH_GATEWAY_")

    rate_limiting: bool = Field(True, description="Rate limits at the gateway (429 past them).")
    rate_window_seconds: float = Field(
        60.0, gt=0, description="Window of the request quotas below (a bucket refills its quota per window)."
    )
    auth_per_ip: int = Field(
        60,
        ge=0,
        description="Requests to /api/v1/auth (sign-in, sign-up, refresh, resets) per client address.",
    )
    read_per_user: int = Field(1200, ge=0, description="GET/HEAD/OPTIONS requests per signed-in user.")
    read_per_ip: int = Field(3000, ge=0, description="GET/HEAD/OPTIONS requests per client address.")
    write_per_user: int = Field(300, ge=0, description="POST/PUT/PATCH/DELETE requests per signed-in user.")
    write_per_ip: int = Field(600, ge=0, description="POST/PUT/PATCH/DELETE requests per client address.")
    upload_bytes_per_user: int = Field(
        20 * GIB, ge=0, description="Bytes sent to /api/v1/uploads per user (or per address if anonymous)."
    )
    upload_window_seconds: float = Field(3600.0, gt=0, description="Window of the upload byte quota.")
    rate_limit_prefix: str = Field(
        "cinemesh-ratelimit",
        min_length=1,
        description="Redis key prefix of the buckets (CINEMESH_CACHE=redis).",
    )
    home_deadline_seconds: float = Field(
        1.0, gt=0, description="How long /api/v1/home waits for each section before leaving it out."
    )
    home_deadlines: dict[str, float] = Field(
        default_factory=dict,
        description='Per-section deadlines (a JSON object: {"continue-watching": 0.5}); sections: profile, '
        "continue-watching, recommendations, new, genres (the genre list, and each genre row).",
    )
    home_genre_rows: int = Field(
        6, ge=0, le=20, description="Genre rows on the home page, the largest first."
    )
    home_row_size: int = Field(20, ge=1, le=100, description="Titles per home page row.")
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description='Networks of the proxies in front of the gateway, a JSON list (["10.0.0.0/8"]): '
        "their X-Forwarded-For names the client. Empty: the peer is the client.",
    )
    retry_attempts: int = Field(
        2,
        ge=1,
        le=5,
        description="Calls in all for an idempotent request (GET/HEAD/OPTIONS), retries included; 1: none.",
    )
    retry_budget_ratio: float = Field(
        0.2, ge=0, le=1, description="Retries at most this share of an upstream's requests over the window."
    )
    retry_budget_min_per_second: float = Field(
        1.0,
        ge=0,
        description="Retries per second of the window allowed beside the share (a quiet gateway retries).",
    )
    retry_budget_window_seconds: float = Field(
        10.0, ge=1, le=300, description="Sliding window of the retry budget."
    )
    retry_backoff_base_seconds: float = Field(
        0.025,
        ge=0,
        description="Backoff before retry n: uniformly random up to base * 2^(n-1) (full jitter).",
    )
    retry_backoff_max_seconds: float = Field(0.25, ge=0, description="Cap of the backoff before a retry.")
    outlier_consecutive_failures: int = Field(
        5, ge=1, description="Failures in a row (5xx, no connection) that eject an upstream replica."
    )
    outlier_base_ejection_seconds: float = Field(
        30.0, gt=0, description="First ejection's length; the n-th lasts n times as long."
    )
    outlier_max_ejection_seconds: float = Field(300.0, gt=0, description="Longest ejection.")
    outlier_max_ejected_share: float = Field(
        0.5, ge=0, le=1, description="Share of a service's replicas that may be out at once (never all)."
    )
