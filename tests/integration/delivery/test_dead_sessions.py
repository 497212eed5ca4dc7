"""What a dead session holds: a crashed browser's stream is free half a minute after its last
heartbeat (not 90 s); a phone back from a dead zone resumes its session while the plan has room;
and "stop playback on other devices" frees the plan's streams at once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import orjson
import pytest
from sqlalchemy import select, update

from cinemesh.contracts.users import DeviceChangedV1
from cinemesh.delivery.store.tables import SessionRow
from cinemesh.platform.events.outbox import outbox_table
from tests.fixtures.cmaf import CmafVideo
from tests.integration.delivery.harness import DeliveryHarness, Viewer, running_delivery

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
async def h(tmp_path: Path, cmaf_video: CmafVideo):  # type: ignore[no-untyped-def]
    async with running_delivery(tmp_path, cmaf_video) as harness:
        await harness.publish_title()
        yield harness


def code(response: httpx.Response) -> str:
    return str(response.json()["type"]).rsplit("/", 1)[-1]


async def _silent_for(h: DeliveryHarness, session_id: str, seconds: float) -> None:
    """As if the session's player had sent no heartbeat for `seconds`."""
    async with h.app.state.runtime.database.transaction() as session:
        await session.execute(
            update(SessionRow)
            .where(SessionRow.session_id == session_id)
            .values(last_heartbeat_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds))
        )


async def _beat(h: DeliveryHarness, viewer: Viewer, session_id: str) -> httpx.Response:
    return await h.client.post(f"/api/v1/playback/{session_id}/heartbeat", headers=viewer.auth, json={})


async def test_a_crashed_browser_frees_the_only_stream_within_half_a_minute(h: DeliveryHarness) -> None:
    viewer = await h.viewer(tier="basic")
    crashed = await h.start(viewer)
    assert crashed.status_code == 201
    assert crashed.json()["heartbeat_interval_seconds"] <= 10
    await _silent_for(h, crashed.json()["session_id"], 31)
    assert (await h.start(viewer)).status_code == 201


async def test_a_late_heartbeat_resumes_while_the_plan_has_room(h: DeliveryHarness) -> None:
    viewer = await h.viewer(tier="basic")
    phone = (await h.start(viewer)).json()["session_id"]
    await _silent_for(h, phone, 120)  # two minutes in a tunnel
    resumed = await _beat(h, viewer, phone)
    assert resumed.status_code == 200, resumed.text
    refused = await h.start(viewer)  # it counts again
    assert refused.status_code == 409 and code(refused) == "plan-stream-limit"
    # Within the resume window the sweeper leaves a stale session alone; past it, ends it.
    await _silent_for(h, phone, 120)
    assert await h.app.state.context.playback.sweep() == 0
    await _silent_for(h, phone, 3600)
    assert await h.app.state.context.playback.sweep() == 1


async def test_stop_playback_on_other_devices(h: DeliveryHarness) -> None:
    viewer = await h.viewer(tier="basic")
    neighbour = await h.viewer(tier="basic")
    neighbours = (await h.start(neighbour)).json()["session_id"]
    laptop = "laptop-" + viewer.user_id[:20]
    await h.feed(
        DeviceChangedV1(
            user_id=viewer.user_id,
            device_id=laptop,
            change="registered",
            device_type="laptop",
            changed_at=dt.datetime.now(dt.UTC),
        )
    )
    on_tv = (await h.start(viewer)).json()["session_id"]  # left playing (or crashed) on the TV
    refused = await h.start(viewer, device_id=laptop)
    assert refused.status_code == 409 and code(refused) == "plan-stream-limit"

    assert (await h.client.post("/api/v1/playback/stop-others", json={})).status_code == 401
    stopped = await h.client.post(
        "/api/v1/playback/stop-others", json={"keep_device_id": laptop}, headers=viewer.auth
    )
    assert stopped.status_code == 200 and stopped.json() == {"stopped": 1}
    assert (await h.start(viewer, device_id=laptop)).status_code == 201
    ended = await _beat(h, viewer, on_tv)
    assert ended.status_code == 409 and code(ended) == "session-ended"  # the TV's player learns it
    assert (await _beat(h, neighbour, neighbours)).status_code == 200  # another account: untouched

    async with h.app.state.runtime.database.session() as session:
        payloads = (await session.scalars(select(outbox_table.c.payload))).all()
    reasons = {
        event["subject"]: event["data"]["reason"]
        for event in map(orjson.loads, payloads)
        if event["type"] == "delivery.playback.ended.v1"
    }
    assert reasons == {on_tv: "stopped_elsewhere"}
