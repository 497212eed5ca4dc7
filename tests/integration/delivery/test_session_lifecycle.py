"""Sessions end by DELETE or by the heartbeat sweeper, each once, with the events history and
analytics consume; a re-transcode drops the AES-128 copies made from the old bytes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import orjson
from sqlalchemy import select, update

from cinemesh.delivery.store.tables import SessionRow
from cinemesh.platform.events.outbox import outbox_table
from tests.fixtures.cmaf import CmafVideo
from tests.integration.delivery.harness import running_delivery


async def test_started_and_ended_events_and_the_sweeper(tmp_path: Path, cmaf_video: CmafVideo) -> None:
    async with running_delivery(tmp_path, cmaf_video) as h:
        await h.publish_title()
        viewer = await h.viewer(tier="premium")
        stopped = (await h.start(viewer)).json()["session_id"]
        abandoned = (await h.start(viewer)).json()["session_id"]
        beat = await h.client.post(
            f"/api/v1/playback/{stopped}/heartbeat", headers=viewer.auth, json={"position_seconds": 1.5}
        )
        assert beat.status_code == 200
        for _ in range(2):  # ending twice is fine, and publishes once
            assert (
                await h.client.delete(f"/api/v1/playback/{stopped}", headers=viewer.auth)
            ).status_code == 204
        database = h.app.state.runtime.database
        async with database.transaction() as session:
            stale = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
            await session.execute(
                update(SessionRow).where(SessionRow.session_id == abandoned).values(last_heartbeat_at=stale)
            )
        assert await h.app.state.context.playback.sweep() == 1
        assert await h.app.state.context.playback.sweep() == 0
        async with database.session() as session:
            payloads = (await session.scalars(select(outbox_table.c.payload))).all()
        events = [orjson.loads(p) for p in payloads]
        started = [e for e in events if e["type"] == "delivery.playback.started.v1"]
        ended = {e["subject"]: e["data"] for e in events if e["type"] == "delivery.playback.ended.v1"}
        assert {e["subject"] for e in started} == {stopped, abandoned}
        assert started[0]["data"]["tier"] == "premium" and started[0]["data"]["max_height"] == 2160
        assert ended[stopped]["reason"] == "stopped" and ended[stopped]["position_seconds"] == 1.5
        assert ended[abandoned]["reason"] == "heartbeat_timeout"
        assert len([e for e in events if e["type"] == "delivery.playback.ended.v1"]) == 2


async def test_retranscode_drops_encrypted_copies(tmp_path: Path, cmaf_video: CmafVideo) -> None:
    async with running_delivery(tmp_path, cmaf_video) as h:
        await h.publish_title()
        viewer = await h.viewer(tier="premium")
        session = (await h.start(viewer)).json()
        master = (await h.client.get(session["hls_url"])).text
        playlist = next(line for line in master.splitlines() if line.startswith("/"))
        media = (await h.client.get(playlist)).text
        segment = next(line for line in media.splitlines() if line.startswith("/"))
        assert (await h.client.get(segment)).status_code == 200
        copies = tmp_path / "objects" / "data" / "delivery" / "aes128"
        assert list(copies.rglob("*.m4s"))
        newer = h.video.event.model_copy(update={"transcoded_at": dt.datetime.now(dt.UTC)})
        await h.feed(newer)
        await h.app.state.context.purger.wait_idle()
        assert not list(copies.rglob("*.m4s"))
        assert (await h.client.get(segment)).status_code == 200  # re-encrypted on demand
