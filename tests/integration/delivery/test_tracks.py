"""Audio languages and subtitles of a title made by the real media pipeline, as a session sees
them: every language in the HLS master and in the CENC package (encrypted), every subtitle
track in both (in the clear, fetched through signed URLs)."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from cinemesh.contracts.media import Rendition, VideoTranscodedV1
from cinemesh.media.settings import MediaSettings
from cinemesh.media.transcode import pipeline
from tests.fixtures.cmaf import TITLE_ID, VIDEO_ID, CmafVideo
from tests.fixtures.media import SUBTITLE_CUES
from tests.integration.delivery.harness import running_delivery

pytestmark = [pytest.mark.timeout(180), pytest.mark.xdist_group("media-transcode")]
NS = {"mpd": "urn:mpeg:dash:schema:mpd:2011"}


async def packaged_by_media(source: Path, root: Path) -> CmafVideo:
    """The media service's pipeline run on `source`, laid out as its object store holds it."""
    settings = MediaSettings(vmaf=False, ladder_heights=[240, 360], early_first_rung=False)
    prefix = f"videos/{VIDEO_ID}/"
    packaged = await pipeline.package_file(source, root / prefix, settings)
    ladder, videos = packaged.ladder, packaged.videos
    renditions = [
        Rendition(
            height=track.height,
            width=track.width,
            bitrate=track.peak_bitrate,
            average_bitrate=track.average_bitrate,
            codecs=track.codecs,
            frame_rate=track.frame_rate,
            playlist_key=f"{prefix}{track.directory}/index.m3u8",
            init_key=f"{prefix}{track.directory}/init.mp4",
        )
        for track in videos
    ]
    event = VideoTranscodedV1(
        video_id=VIDEO_ID,
        title_id=TITLE_ID,
        duration_seconds=ladder.probe.duration_seconds,
        storage_prefix=prefix,
        hls_master_key=f"{prefix}master.m3u8",
        dash_manifest_key=f"{prefix}manifest.mpd",
        renditions=renditions,
        complete=True,
        transcoded_at=dt.datetime.now(dt.UTC),
    )
    return CmafVideo(root=root, video_id=VIDEO_ID, title_id=TITLE_ID, event=event)


async def test_languages_and_subtitles_reach_hls_and_the_cenc_package(
    tmp_path: Path, media_clip: Callable[[str], Path]
) -> None:
    video = await packaged_by_media(media_clip("multilang.mp4"), tmp_path / "video")
    async with running_delivery(tmp_path / "delivery", video) as h:
        await h.publish_title()
        await h.app.state.context.packager.wait_idle()
        viewer = await h.viewer(tier="basic")
        session = (await h.start(viewer)).json()

        # HLS (AES-128 on): both languages, both subtitle tracks; WebVTT stays clear.
        master = (await h.client.get(session["hls_url"])).text
        audio_lines = [line for line in master.splitlines() if "TYPE=AUDIO" in line]
        subtitle_lines = [line for line in master.splitlines() if "TYPE=SUBTITLES" in line]
        assert [re.search(r'LANGUAGE="(\w+)"', line).group(1) for line in audio_lines] == ["en", "fr"]  # type: ignore[union-attr]
        assert len(subtitle_lines) == 2
        french_subtitles = re.search(r'URI="([^"]+)"', subtitle_lines[1]).group(1)  # type: ignore[union-attr]
        playlist = (await h.client.get(french_subtitles)).text
        assert "#EXT-X-KEY" not in playlist
        vtt_url = next(line for line in playlist.splitlines() if line and not line.startswith("#"))
        vtt = await h.client.get(vtt_url)
        assert vtt.status_code == 200 and vtt.headers["content-type"].startswith("text/vtt")
        assert SUBTITLE_CUES["fra"][0] in vtt.text
        french_audio = re.search(r'URI="([^"]+)"', audio_lines[1]).group(1)  # type: ignore[union-attr]
        assert "METHOD=AES-128" in (await h.client.get(french_audio)).text

        # DASH: the CENC package has an encrypted adaptation set per language and the
        # subtitle tracks in the clear, served from the package through the session's URLs.
        mpd = ET.fromstring((await h.client.get(session["dash_url"])).text)  # noqa: S314 - our own MPD
        sets = mpd.findall("mpd:Period/mpd:AdaptationSet", NS)
        audio_sets = [s for s in sets if s.get("contentType") == "audio"]
        text_sets = [s for s in sets if s.get("contentType") == "text"]
        assert sorted(s.get("lang", "") for s in audio_sets) == ["en", "fr"]
        assert all(s.find("mpd:ContentProtection", NS) is not None for s in audio_sets)
        assert [s.get("lang") for s in text_sets] == ["en", "fr"]
        for text, language in zip(text_sets, SUBTITLE_CUES, strict=True):
            assert text.find("mpd:ContentProtection", NS) is None
            representation = text.find("mpd:Representation", NS)
            assert representation is not None
            base = representation.findtext("mpd:BaseURL", namespaces=NS)
            segment = representation.find("mpd:SegmentList/mpd:SegmentURL", NS)
            assert base is not None and segment is not None
            response = await h.client.get(base + segment.get("media", ""))
            assert response.status_code == 200, response.text
            assert SUBTITLE_CUES[language][1] in response.text
