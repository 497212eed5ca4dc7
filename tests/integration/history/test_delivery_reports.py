"""The player's heartbeat is its progress report: delivery records one event per report with a
position (sequence numbered in the session), and history keeps the resume point from them."""

from __future__ import annotations

from pathlib import Path

import orjson
from sqlalchemy import select

from cinemesh.contracts.users import ProfileChangedV1
from cinemesh.platform.events.envelope import Envelope
from cinemesh.platform.events.outbox import outbox_table
from tests.fixtures.cmaf import CmafVideo
from tests.integration.delivery.harness import running_delivery
from tests.integration.history.harness import Viewer, running_history


async def test_heartbeats_become_resume_points(tmp_path: Path, cmaf_video: CmafVideo) -> None:
    async with running_delivery(tmp_path / "delivery", cmaf_video) as delivery:
        await delivery.publish_title()
        watcher = await delivery.viewer(tier="premium")
        session_id = (await delivery.start(watcher)).json()["session_id"]
        url = f"/api/v1/playback/{session_id}/heartbeat"
        for body in ({"position_seconds": 0.5}, None, {"position_seconds": 1.5}):
            assert (await delivery.client.post(url, headers=watcher.auth, json=body)).status_code == 200
        async with delivery.app.state.runtime.database.session() as session:
            rows = (await session.scalars(select(outbox_table.c.payload).order_by(outbox_table.c.seq))).all()
    reports = [Envelope.model_validate(orjson.loads(row)) for row in rows]
    reports = [r for r in reports if r.type == "delivery.playback.progress.v1"]
    assert [(r.data["position_seconds"], r.data["sequence"]) for r in reports] == [(0.5, 1), (1.5, 2)]
    first = reports[0].data
    assert first["title_id"] == cmaf_video.title_id and first["content_id"] == delivery.content_id
    assert (
        first["duration_seconds"] > 0
        and first["trailer"] is False
        and first["profile_id"] == watcher.profile_id
    )

    async with running_history(tmp_path / "history") as history:
        await history.feed(
            ProfileChangedV1(
                user_id=watcher.user_id,
                profile_id=watcher.profile_id,
                change="created",
                name="Main",
                is_kids=False,
                is_main=True,
                max_maturity_rating=None,
                pin_required=False,
                changed_at=reports[0].time,
            )
        )
        await history.feed_envelopes(*reports)
        viewer = Viewer(
            user_id=watcher.user_id,
            profile_id=watcher.profile_id,
            token=history.issuer.issue(user_id=watcher.user_id, roles=["viewer"]),
        )
        entry = (await history.get(viewer, f"/api/v1/history/progress/{delivery.content_id}")).json()
    assert entry["position_seconds"] == 1.5 and entry["title_id"] == cmaf_video.title_id
