"""`cinemesh worker` starts the background side of every service but one whose store takes a
single writing process (analytics' DuckDB file): a worker beside `cinemesh serve analytics`
would otherwise fill a file of its own, apart from the one the API reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from cinemesh.composition import build_service_apps
from cinemesh.platform.events.factory import build_event_bus
from cinemesh.platform.settings import Settings
from cinemesh.worker import worker_runtimes

pytestmark = pytest.mark.integration


def test_a_worker_runs_every_service_but_analytics(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    bus = build_event_bus(settings)
    every = set(build_service_apps(settings, bus=bus))
    started = {runtime.name for runtime in worker_runtimes(settings, bus)}
    assert "analytics" in every
    assert started == every - {"analytics"}
    # Built, never started: nothing opened the analytics file.
    assert not (tmp_path / "analytics.duckdb").exists()
