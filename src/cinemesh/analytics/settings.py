"""Analytics settings (`CINEMESH_ANALYTICS_*`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings

from cinemesh.platform.settings import settings_config


class AnalyticsSettings(BaseSettings):
    model_config = settings_config("CINEMESH_ANALYTICS_")

    duckdb_path: Path | None = Field(
        None,
        description="The DuckDB file of raw events and facts; default: analytics.duckdb in the data dir.",
    )
    max_batch_events: int = Field(100, ge=1, le=10_000, description="Events one beacon batch may hold.")
    max_batch_bytes: int = Field(64 * 1024, ge=1024, description="The largest beacon batch body, in bytes.")
    raw_retention_days: float = Field(
        30.0, gt=0, description="Raw beacons are deleted after this; the per-view rollup stays."
    )
    purge_every_seconds: float = Field(3600.0, gt=0, description="How often raw beacons past retention go.")
    session_events_per_minute: int = Field(
        600, ge=1, description="Beacons one account may send per playback session and minute."
    )
