"""What the URL tokens a session hands out can open (issue 20, item 1).

Every token found in a session's documents (its answer, HLS master and media playlists, DASH
MPD) is tried against every object of the video: clear rungs, AES-128 copies, the CENC package.
Only what the session's manifests reference may open, and never a clear media segment while the
deployment encrypts: before, the EXT-X-MAP token was scoped to the clear rendition directory and
opened its clear segments, so one session playlist gave away the unencrypted title.
"""

from __future__ import annotations

import json
import posixpath
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cinemesh.delivery.layout import AES_PATH_PREFIX, CENC_STORE_PREFIX, package_manifest_key
from tests.fixtures.cmaf import CmafVideo
from tests.integration.delivery.harness import DeliveryHarness, running_delivery

pytestmark = pytest.mark.timeout(180)
STREAM = "/api/v1/stream/"
_URL = re.compile(r"/api/v1/stream/([^/\s\"<]+)/([^\s\"<]*)")
NS = {"mpd": "urn:mpeg:dash:schema:mpd:2011"}
SEGMENT = re.compile(r"\.(m4s|ts|aac|mp4a)$")


def _paths(text: str) -> list[tuple[str, str]]:
    """(token, object path) of every signed URL in a document."""
    return [(m.group(1), m.group(2)) for m in _URL.finditer(text)]


async def _documents(h: DeliveryHarness, session: dict[str, object]) -> list[str]:
    """The session's answer and every manifest a player would fetch through it."""
    documents = [json.dumps(session)]
    master = (await h.client.get(str(session["hls_url"]))).text
    documents.append(master)
    for token, path in _paths(master):
        if path.startswith("sessions/"):
            response = await h.client.get(f"{STREAM}{token}/{path}")
            assert response.status_code == 200, path
            documents.append(response.text)
    if session["dash_url"]:
        documents.append((await h.client.get(str(session["dash_url"]))).text)
    return documents


async def _every_object(h: DeliveryHarness) -> list[str]:
    """Public paths of every object of the video: clear, AES-128 copies (of every clear segment,
    made or not), CENC package."""
    store = h.app.state.context.store
    prefix = h.video.prefix
    clear = [info.key async for info in store.list(prefix)]
    cenc = [info.key async for info in store.list(CENC_STORE_PREFIX + prefix)]
    aes = [AES_PATH_PREFIX + key for key in clear if SEGMENT.search(key)]
    assert clear and cenc, "the video and its CENC package are in the store"
    return clear + aes + cenc


async def _opened(h: DeliveryHarness, tokens: set[str], objects: list[str]) -> set[str]:
    opened = set()
    for token in sorted(tokens):
        for path in objects:
            response = await h.client.get(f"{STREAM}{token}/{path}")
            assert response.status_code in (200, 403, 404), (path, response.status_code)
            if response.status_code == 200:
                opened.add(path)
    return opened


def _dash_directories(mpd_text: str) -> set[str]:
    """The CENC representation directories a session MPD lists."""
    root = ET.fromstring(mpd_text)  # noqa: S314 - our own MPD
    directories = set()
    for adaptation in root.iterfind("mpd:Period/mpd:AdaptationSet", NS):
        template = adaptation.find("mpd:SegmentTemplate", NS)
        for representation in adaptation.iterfind("mpd:Representation", NS):
            own = representation.find("mpd:SegmentTemplate", NS)
            init = (own if own is not None else template).get("initialization", "")  # type: ignore[union-attr]
            base = representation.findtext("mpd:BaseURL", namespaces=NS) or ""
            base_path = base.split("/", 5)[-1]  # after /api/v1/stream/{token}/
            init = init.replace("$RepresentationID$", representation.get("id", ""))
            directories.add(posixpath.dirname(posixpath.join(base_path, init)) + "/")
    return directories


async def test_no_session_token_opens_more_than_its_manifests_reference(
    tmp_path: Path, cmaf_video: CmafVideo
) -> None:
    async with running_delivery(tmp_path, cmaf_video) as h:
        await h.publish_title()
        viewer = await h.viewer(tier="basic")  # 720p: the 1080p rung must stay shut too
        session = (await h.start(viewer)).json()
        assert session["drm"]["dash"] is not None
        documents = await _documents(h, session)
        tokens = {token for text in documents for token, _ in _paths(text)}
        referenced = {path for text in documents for _, path in _paths(text)}
        dash_directories = _dash_directories(documents[-1])
        assert dash_directories and all(d.startswith(CENC_STORE_PREFIX) for d in dash_directories)

        objects = await _every_object(h)
        opened = await _opened(h, tokens, objects)

        clear_segments = {o for o in objects if o.startswith("videos/") and SEGMENT.search(o)}
        assert clear_segments and not opened & clear_segments, sorted(opened & clear_segments)
        assert not any("1080" in o for o in opened), sorted(o for o in opened if "1080" in o)
        # Everything that opens is referenced itself, or lies in a CENC directory the MPD lists.
        beyond = {o for o in opened if o not in referenced and not o.startswith(tuple(dash_directories))}
        assert not beyond, sorted(beyond)
        # And what the manifests reference does open (the sweep is not vacuous).
        hls_objects = {p for p in referenced if p.startswith(("videos/", AES_PATH_PREFIX))}
        assert hls_objects and hls_objects <= opened, sorted(hls_objects - opened)
        assert {o for o in objects if o.startswith(tuple(dash_directories))} <= opened


async def test_before_the_cenc_package_exists_dash_hands_out_no_clear_tokens(
    tmp_path: Path, cmaf_video: CmafVideo
) -> None:
    async with running_delivery(tmp_path, cmaf_video) as h:
        await h.publish_title()
        store = h.app.state.context.store
        # The package's manifest is written last: without it the package does not exist yet
        # (as during a long second transcoding pass).
        await store.delete(package_manifest_key(h.video.prefix))
        viewer = await h.viewer(tier="premium")
        session = (await h.start(viewer)).json()
        assert session["drm"]["dash"] is None and session["dash_url"] is None
        mpd_url = str(session["hls_url"]).replace("master.m3u8", "manifest.mpd")
        refused = await h.client.get(mpd_url)
        assert refused.status_code == 404 and refused.json()["type"].endswith("manifest-missing")

        documents = await _documents(h, session)
        tokens = {token for text in documents for token, _ in _paths(text)}
        clear = [o for o in await _every_object(h) if o.startswith("videos/")]
        opened = await _opened(h, tokens, clear)
        assert not {o for o in opened if SEGMENT.search(o)}, sorted(opened)
