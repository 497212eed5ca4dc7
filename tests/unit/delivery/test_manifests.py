"""Per-session manifest rewriting: renditions above the plan dropped, every URI signed."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from cinemesh.delivery.origin.manifests import (
    DashProtection,
    HlsEncryption,
    resolve,
    rewrite_dash,
    rewrite_hls_master,
    rewrite_hls_media,
)

MASTER = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="en",URI="audio/en/playlist.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=854x480,AUDIO="aac"
480p/playlist.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=2000000,RESOLUTION=1920x1080,AUDIO="aac"
1080p/playlist.m3u8
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,RESOLUTION=1920x1080,URI="1080p/iframes.m3u8"
"""

MEDIA = """#EXTM3U
#EXT-X-TARGETDURATION:4
#EXT-X-MAP:URI="init.mp4"
#EXTINF:4.0,
seg_00000.m4s
#EXTINF:4.0,
seg_00001.m4s
#EXT-X-ENDLIST
"""


def test_master_keeps_allowed_variants_and_points_them_at_the_session() -> None:
    out = rewrite_hls_master(
        MASTER, master_key="videos/v/hls/master.m3u8", max_height=720, playlist_url=lambda k: f"S<{k}>"
    )
    assert "S<videos/v/hls/480p/playlist.m3u8>" in out
    assert "1080p" not in out  # neither the variant nor its I-frame playlist
    assert 'URI="S<videos/v/hls/audio/en/playlist.m3u8>"' in out
    assert out.count("#EXT-X-STREAM-INF") == 1


def test_media_playlist_encrypted_segments_each_with_a_key_tag_after_a_clear_map() -> None:
    encryption = HlsEncryption(
        key_url="KEY", iv_for=lambda key: bytes(16), encrypted_url_for=lambda key: f"E<{key}>"
    )
    out = rewrite_hls_media(
        MEDIA,
        playlist_key="videos/v/hls/480p/playlist.m3u8",
        segment_url=lambda k: f"C<{k}>",
        encryption=encryption,
    )
    lines = out.splitlines()
    assert '#EXT-X-MAP:URI="C<videos/v/hls/480p/init.mp4>"' in lines
    assert lines.index('#EXT-X-MAP:URI="C<videos/v/hls/480p/init.mp4>"') < next(
        i for i, line in enumerate(lines) if line.startswith("#EXT-X-KEY")
    )
    assert lines.count('#EXT-X-KEY:METHOD=AES-128,URI="KEY",IV=0x' + "00" * 16) == 2
    assert "E<videos/v/hls/480p/seg_00001.m4s>" in lines
    clear = rewrite_hls_media(
        MEDIA,
        playlist_key="videos/v/hls/480p/playlist.m3u8",
        segment_url=lambda k: f"C<{k}>",
        encryption=None,
    )
    assert "C<videos/v/hls/480p/seg_00000.m4s>" in clear and "EXT-X-KEY" not in clear


def test_references_cannot_escape_the_store_or_point_elsewhere() -> None:
    assert resolve("videos/v/hls/720p/p.m3u8", "../480p/x.m4s") == "videos/v/hls/480p/x.m4s"
    for bad in ("../../../../../etc/passwd", "https://evil.example/x.m4s", "/abs.m4s"):
        with pytest.raises(ValueError):
            resolve("videos/v/hls/720p/p.m3u8", bad)


MPD = """<?xml version="1.0"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static">
 <Period id="0">
  <AdaptationSet id="0" contentType="video" maxWidth="1920" maxHeight="1080">
   <SegmentTemplate initialization="r$RepresentationID$/init.mp4"
                    media="r$RepresentationID$/seg-$Number%05d$.m4s"/>
   <Representation id="0" width="854" height="480" bandwidth="400000"/>
   <Representation id="1" width="1920" height="1080" bandwidth="2000000"/>
  </AdaptationSet>
 </Period>
</MPD>"""


def test_dash_drops_representations_above_the_plan_and_signs_each_one() -> None:
    protection = DashProtection(default_kid_uuid="00112233-4455-6677-8899-aabbccddeeff", license_url="LIC")
    out = rewrite_dash(
        MPD, mpd_key="videos/v/dash/manifest.mpd", max_height=720,
        base_url_for=lambda scope, directory: f"B<{scope}|{directory}>", protection=protection,
    )  # fmt: skip
    ns = {"m": "urn:mpeg:dash:schema:mpd:2011"}
    root = ET.fromstring(out)  # noqa: S314 - produced above
    reps = root.findall(".//m:Representation", ns)
    assert [r.get("id") for r in reps] == ["0"]
    assert reps[0].findtext("m:BaseURL", namespaces=ns) == "B<videos/v/dash/r0/|videos/v/dash/>"
    adaptation = root.find(".//m:AdaptationSet", ns)
    assert adaptation is not None and adaptation.get("maxHeight") == "480"
    assert "ClearKey1.0" in out and "LIC" in out and "00112233-4455-6677-8899-aabbccddeeff" in out
