"""Revision 0003 (trailers) on a delivery database with data: every session already there keeps
counting toward the plan's streams, every video already there is a feature, and what was
published before is not taken for a trailer. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from cinemesh.delivery.store.queries import DeliveryStore
from cinemesh.delivery.store.tables import SessionRow, VideoRow
from cinemesh.platform.db import Database
from cinemesh.platform.migrations import upgrade_to_head
from cinemesh.platform.settings import Settings
from tests.fixtures.migrations import migrations_of, upgrade_to

NOW = dt.datetime.now(dt.UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_url_factory: Callable[[str], str]
) -> Settings:
    url = postgres_url_factory("delivery") if request.param == "postgresql" else None
    return Settings(data_dir=tmp_path, database_url=url)


async def test_rows_from_before_trailers_keep_their_meaning(settings: Settings) -> None:
    database = Database.for_service(settings, "delivery")
    try:
        await upgrade_to(database, service="delivery", revision="0002")
        async with database.engine.begin() as connection:
            # Columns of revision 0002 only: written as the service then did.
            await connection.execute(
                sa.text(
                    "INSERT INTO playback_sessions (session_id, user_id, profile_id, device_id, content_id,"
                    " video_id, max_height, started_at, last_heartbeat_at, expires_at)"
                    " VALUES ('s1', 'u1', 'p1', 'd1', 'c1', 'v1', 720, :now, :now, :later)"
                ),
                {"now": NOW, "later": NOW + dt.timedelta(hours=1)},
            )
            await connection.execute(
                sa.text(
                    "INSERT INTO playables (content_id, title_id, video_id, maturity_rating, published,"
                    " windows, updated_at) VALUES ('c1', 't1', 'v1', 'PG', :yes, '[]', :now)"
                ),
                {"yes": True, "now": NOW},
            )
            await connection.execute(
                sa.text(
                    "INSERT INTO videos (video_id, title_id, storage_prefix, hls_master_key, renditions,"
                    " complete, duration_seconds, transcoded_at)"
                    " VALUES ('v1', 't1', 'videos/v1/', 'videos/v1/master.m3u8', '[]', :yes, 2.0, :now)"
                ),
                {"yes": True, "now": NOW},
            )
        await upgrade_to_head(database, service="delivery", script_location=migrations_of("delivery"))

        async with database.session() as session:
            store = DeliveryStore(session)
            live = await store.count_live_sessions(
                "u1", heartbeat_after=NOW - dt.timedelta(minutes=1), now=NOW
            )
            assert live == 1  # an older session still takes its stream
            assert (await session.get(SessionRow, "s1")).counts_toward_limit is True  # type: ignore[union-attr]
            assert (await session.get(VideoRow, "v1")).kind == "feature"  # type: ignore[union-attr]
            playable = await store.playable("c1")
            assert playable is not None and not playable.is_trailer
    finally:
        await database.dispose()
