"""`kill -9` of a real worker process mid-job: another worker finishes, nothing is published twice.

The API runs in this test process (no worker of its own); the workers are `cinemesh worker`
processes on the same data dir (SQLite, embedded event log, filesystem store), as on a laptop.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from cinemesh.media.store.videos import JobRow
from cinemesh.platform.settings import Settings
from tests.fixtures.media import MediaTokens
from tests.integration.media.conftest import media_settings, start_harness
from tests.integration.media.test_bad_media_and_events import outbox_events

pytestmark = [pytest.mark.xdist_group("media-transcode"), pytest.mark.timeout(240)]
CINEMESH = str(Path(sys.executable).with_name("cinemesh"))


def start_worker(data_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CINEMESH_")}
    env |= {
        "CINEMESH_DATA_DIR": str(data_dir),
        "CINEMESH_LOG_LEVEL": "WARNING",
        "CINEMESH_MEDIA_LEASE_SECONDS": "3",
        "CINEMESH_MEDIA_HEARTBEAT_SECONDS": "0.5",
        "CINEMESH_MEDIA_POLL_SECONDS": "0.2",
        "CINEMESH_MEDIA_MIN_FREE_DISK_BYTES": "0",
        "CINEMESH_MEDIA_VMAF": "false",
        "CINEMESH_MEDIA_X264_PRESET": "faster",  # slow enough to be caught mid-ladder
    }
    with log.open("wb") as handle:
        return subprocess.Popen([CINEMESH, "worker"], env=env, stdout=handle, stderr=subprocess.STDOUT)


async def test_a_killed_worker_is_replaced_and_nothing_is_published_twice(
    tmp_path: Path, media_tokens: MediaTokens, media_clip: Callable[[str], Path]
) -> None:
    data_dir = tmp_path / "data"
    platform = Settings(data_dir=data_dir)
    async with start_harness(tmp_path, media_tokens, media_settings(workers=0), platform=platform) as media:
        video_id = await media.upload(media_clip("medium.mp4"))
        first = start_worker(data_dir, tmp_path / "worker-1.log")
        second: subprocess.Popen[bytes] | None = None
        try:
            admin = media_tokens.headers("admin-1", "admin")
            for _ in range(1200):  # the first rung is out, the rest of the ladder is being encoded
                document = await media.video(video_id, admin)
                if document["renditions"] and not document["complete"]:
                    break
                assert first.poll() is None, (tmp_path / "worker-1.log").read_text()[-3000:]
                await asyncio.sleep(0.05)
            else:
                pytest.fail(f"the first worker never got mid-ladder: {document}")
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)

            second = start_worker(data_dir, tmp_path / "worker-2.log")
            document = await media.wait_for(video_id, "ready", "failed", timeout=180)
            assert document["status"] == "ready", (tmp_path / "worker-2.log").read_text()[-3000:]
            assert len(document["renditions"]) == 4
        finally:
            for process in (first, second):
                if process is not None and process.poll() is None:
                    process.terminate()
                    process.wait(timeout=20)

        events = await outbox_events(media, video_id)
        transcoded = [event.data["complete"] for event in events if event.type == "media.video.transcoded.v1"]
        assert transcoded == [False, True]
        async with media.app.state.runtime.database.session() as session:
            job = (await session.execute(sa.select(JobRow).where(JobRow.video_id == video_id))).scalar_one()
        assert job.state == "done" and job.attempts == 2
        # The killed worker's ffmpeg died with it (PR_SET_PDEATHSIG): no orphan still encoding.
        orphans = subprocess.run(["pgrep", "-f", f"{data_dir}/media/work"], capture_output=True, check=False)
        assert orphans.stdout.strip() == b""
