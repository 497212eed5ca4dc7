"""A heartbeat's position must be a finite number of seconds a title can have (issue 20, item
10): `Infinity` and `1e308` were accepted, and the ended event then carried null, the resume point
lost."""

from __future__ import annotations

from pathlib import Path

from tests.fixtures.cmaf import CmafVideo
from tests.integration.delivery.harness import running_delivery

ABSURD = ["Infinity", "-Infinity", "NaN", "1e308", "604801", "-1", '"soon"']


async def test_absurd_positions_are_refused_naming_the_field(tmp_path: Path, cmaf_video: CmafVideo) -> None:
    async with running_delivery(tmp_path, cmaf_video) as h:
        await h.publish_title()
        viewer = await h.viewer(tier="premium")
        session_id = (await h.start(viewer)).json()["session_id"]
        url = f"/api/v1/playback/{session_id}/heartbeat"
        headers = {**viewer.auth, "Content-Type": "application/json"}
        for raw in ABSURD:
            refused = await h.client.post(url, headers=headers, content=f'{{"position_seconds": {raw}}}')
            assert refused.status_code == 422, (raw, refused.text)
            assert refused.headers["content-type"] == "application/problem+json"
            assert [e["field"] for e in refused.json()["errors"]] == ["position_seconds"], raw
        accepted = await h.client.post(url, headers=viewer.auth, json={"position_seconds": 5400.5})
        assert accepted.status_code == 200
