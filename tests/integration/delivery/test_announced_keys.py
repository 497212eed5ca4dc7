"""Delivery reads media's objects by the keys and the prefix `media.video.transcoded.v1` carries,
never by media's layout (issue 12 item 3): a video stored under another prefix plays, is
packaged and is purged the same, and nothing is found at the layout media happens to use today.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import m3u8
import pytest

from cinemesh.contracts.media import VideoTranscodedV1
from cinemesh.delivery.layout import AES_PATH_PREFIX, CENC_STORE_PREFIX, ENCRYPTED_PREFIX
from tests.fixtures.cmaf import CmafVideo
from tests.integration.delivery.harness import running_delivery

pytestmark = pytest.mark.timeout(180)
ELSEWHERE = "library/2026/"


class RelocatedVideo(CmafVideo):
    """The fixture's objects under `library/2026/{id}/` instead of `videos/{id}/`."""

    @property
    def prefix(self) -> str:
        return f"{ELSEWHERE}{self.video_id}/"

    def install(self, objects_data_dir: Path) -> None:
        target = objects_data_dir / ELSEWHERE / self.video_id
        shutil.copytree(self.root / "videos" / self.video_id, target, dirs_exist_ok=True)


def relocated(video: CmafVideo) -> RelocatedVideo:
    moved = video.event.model_dump_json().replace(video.prefix, f"{ELSEWHERE}{video.video_id}/")
    event = VideoTranscodedV1.model_validate_json(moved)
    return RelocatedVideo(root=video.root, video_id=video.video_id, title_id=video.title_id, event=event)


async def test_a_video_under_another_prefix_plays_packages_and_purges(
    tmp_path: Path, cmaf_video: CmafVideo
) -> None:
    video = relocated(cmaf_video)
    assert video.event.storage_prefix == video.prefix and video.event.hls_master_key.startswith(ELSEWHERE)
    async with running_delivery(tmp_path, video) as h:
        await h.publish_title()
        session = (await h.start(await h.viewer(tier="premium"))).json()

        # HLS: master -> media playlist -> a segment's AES-128 copy, all from the announced keys.
        master = m3u8.loads((await h.client.get(session["hls_url"])).text)
        media_url = master.playlists[0].uri
        media = m3u8.loads((await h.client.get(media_url)).text)
        segment = await h.client.get(media.segments[0].uri)
        assert segment.status_code == 200, segment.text
        assert f"/{AES_PATH_PREFIX}{ELSEWHERE}" in media.segments[0].uri

        # The CENC package was made under the announced prefix.
        store = h.app.state.context.store
        package = [info.key async for info in store.list(CENC_STORE_PREFIX + video.prefix)]
        assert any(key.endswith("manifest.mpd") for key in package)

        # The edge purge lists what is there, under that prefix and its derived copies.
        purger = h.app.state.context.purger
        paths = await purger.cached_paths(video.video_id)
        assert any(p.startswith(video.prefix) for p in paths)
        assert any(p.startswith(AES_PATH_PREFIX + video.prefix) for p in paths)
        assert any(p.startswith(CENC_STORE_PREFIX + video.prefix) for p in paths)
        assert not [p for p in paths if "videos/" in p]

        # A re-transcode drops the AES copies, found under the announced prefix.
        assert [info.key async for info in store.list(ENCRYPTED_PREFIX + video.prefix)]
        purger.objects_replaced(video.video_id)
        await purger.wait_idle()
        assert not [info.key async for info in store.list(ENCRYPTED_PREFIX + video.prefix)]

        # An object at today's media layout, not under the announced prefix, is not served even
        # with a valid token: the route finds the video by its announced prefix, not by the path.
        clear_key = media.segments[0].uri.split(AES_PATH_PREFIX, 1)[1]
        guessed = "videos/" + clear_key.removeprefix(ELSEWHERE)
        await store.put_bytes(guessed, await store.get_bytes(clear_key))
        signer = h.app.state.context.signer
        response = await h.client.get(signer.object_url(guessed, expires=int(time.time()) + 60))
        assert response.status_code == 404, response.text
        assert response.json()["type"].endswith("object-not-found")
