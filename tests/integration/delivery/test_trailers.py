"""Trailers are free to watch for a signed-in account: no active subscription, no stream of the
plan taken; the other rules hold (own profile and device, the title's region windows, its rating
against the profile), and the origin serves the trailer's objects while it is published."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import m3u8
import orjson
import pytest
from sqlalchemy import select

from cinemesh.contracts.catalog import TitlePublishedV1, TitleUnpublishedV1
from cinemesh.contracts.media import VideoTranscodedV1
from cinemesh.platform.events.outbox import outbox_table
from cinemesh.platform.ids import new_id_str
from tests.fixtures.cmaf import CmafVideo
from tests.integration.delivery.harness import EVERYWHERE, DeliveryHarness, Viewer, running_delivery
from tests.integration.delivery.test_playback_rules import problem_code

pytestmark = pytest.mark.timeout(120)


class Trailers:
    def __init__(self, h: DeliveryHarness) -> None:
        self.h = h

    async def add(self, *, kind: str = "trailer", title_id: str | None = None) -> str:
        """A transcoded video (the fixture's ladder copied under a new id) as media announces it."""
        h, video_id = self.h, new_id_str()
        source = h.video.root / "videos" / h.video.video_id
        shutil.copytree(source, h.data_dir / "objects" / "data" / "videos" / video_id)
        event = VideoTranscodedV1.model_validate_json(
            h.video.event.model_dump_json().replace(h.video.video_id, video_id)
        ).model_copy(
            update={
                "kind": kind,
                "title_id": title_id or h.video.title_id,
                "transcoded_at": dt.datetime.now(dt.UTC),
            }
        )
        await h.feed(event)
        return video_id

    async def publish(self, video_id: str, *, rating: str | None = "R") -> None:
        """What the catalog publishes for each trailer of a published title."""
        await self.h.feed(
            TitlePublishedV1(
                title_id=self.h.video.title_id,
                content_id=video_id,
                content_type="trailer",
                maturity_rating=rating,
                video_id=video_id,
                windows=EVERYWHERE,
                published_at=dt.datetime.now(dt.UTC),
            )
        )

    async def start(self, viewer: Viewer, video_id: str) -> dict[str, object]:
        response = await self.h.start(viewer, content_id=video_id)
        assert response.status_code == 201, response.text
        session: dict[str, object] = response.json()
        return session


@pytest.fixture
async def h(tmp_path: Path, cmaf_video: CmafVideo) -> AsyncIterator[DeliveryHarness]:
    async with running_delivery(tmp_path, cmaf_video) as harness:
        await harness.publish_title(rating="R")  # the feature
        yield harness


@pytest.fixture
async def trailer(h: DeliveryHarness) -> str:
    video_id = await Trailers(h).add()
    await Trailers(h).publish(video_id)
    return video_id


async def first_segment(h: DeliveryHarness, session: dict[str, object]) -> str:
    """The signed URL of the session's first segment, fetched through its master and media
    playlist (each must be served)."""
    master = await h.client.get(str(session["hls_url"]))
    assert master.status_code == 200, master.text
    playlist = await h.client.get(m3u8.loads(master.text).playlists[0].uri)
    assert playlist.status_code == 200, playlist.text
    url = str(m3u8.loads(playlist.text).segments[0].uri)
    segment = await h.client.get(url)
    assert segment.status_code == 200 and segment.content, segment.text
    return url


async def test_a_viewer_without_a_subscription_plays_a_trailer_but_not_the_feature(
    h: DeliveryHarness, trailer: str
) -> None:
    viewer = await h.viewer(tier="standard", status="canceled")
    feature = await h.start(viewer)
    assert feature.status_code == 403 and problem_code(feature) == "subscription-inactive"
    session = await Trailers(h).start(viewer, trailer)
    assert session["max_height"] == 1080  # the tier's quality limit still applies
    await first_segment(h, session)  # the origin's gate serves the trailer's objects
    beat = await h.client.post(
        f"/api/v1/playback/{session['session_id']}/heartbeat", headers=viewer.auth, json={}
    )
    assert beat.status_code == 200, beat.text
    # Asking for more than the plan allows is still refused.
    above = await h.start(viewer, content_id=trailer, max_height=2160)
    assert above.status_code == 403 and problem_code(above) == "plan-quality-limit"


async def test_trailers_do_not_use_up_the_stream_limit(h: DeliveryHarness, trailer: str) -> None:
    viewer = await h.viewer(tier="basic")  # one stream
    trailers = Trailers(h)
    await trailers.start(viewer, trailer)
    await trailers.start(viewer, trailer)
    feature = await h.start(viewer)  # the live trailers take none of the plan's one stream
    assert feature.status_code == 201, feature.text
    another_trailer = await trailers.start(viewer, trailer)  # nor does one beside the feature
    second_feature = await h.start(viewer)
    assert second_feature.status_code == 409 and problem_code(second_feature) == "plan-stream-limit"
    await first_segment(h, another_trailer)
    ended = await h.client.delete(f"/api/v1/playback/{another_trailer['session_id']}", headers=viewer.auth)
    assert ended.status_code == 204
    # The playback events say which sessions were trailers, for views and resume points to skip.
    async with h.app.state.runtime.database.session() as session:
        payloads = (await session.scalars(select(outbox_table.c.payload))).all()
    events = [orjson.loads(payload) for payload in payloads]
    started = {
        e["subject"]: e["data"]["trailer"] for e in events if e["type"] == "delivery.playback.started.v1"
    }
    assert sorted(started.values()) == [False, True, True, True]
    assert started[feature.json()["session_id"]] is False
    ended_events = [e["data"] for e in events if e["type"] == "delivery.playback.ended.v1"]
    assert [e["trailer"] for e in ended_events] == [True]


async def test_the_title_rating_and_windows_hold_for_its_trailer(h: DeliveryHarness, trailer: str) -> None:
    kids = await h.viewer(is_kids=True, limit="PG")
    refused = await h.start(kids, content_id=trailer)
    assert refused.status_code == 403 and problem_code(refused) == "maturity-restricted"
    abroad = await h.viewer(country="DE")  # EVERYWHERE is US and FR
    elsewhere = await h.start(abroad, content_id=trailer)
    assert elsewhere.status_code == 403 and problem_code(elsewhere) == "region-unavailable"
    stranger = await h.viewer()
    owner = await h.viewer()
    foreign_profile = await h.start(owner, content_id=trailer, profile_id=stranger.profile_id)
    assert foreign_profile.status_code == 404 and problem_code(foreign_profile) == "profile-not-found"
    foreign_device = await h.start(owner, content_id=trailer, device_id=stranger.device_id)
    assert foreign_device.status_code == 403 and problem_code(foreign_device) == "device-not-registered"
    anonymous = await h.client.post(
        "/api/v1/playback",
        json={"content_id": trailer, "profile_id": owner.profile_id, "device_id": owner.device_id},
    )
    assert anonymous.status_code == 401


async def test_only_a_video_uploaded_as_this_titles_trailer_plays_free(h: DeliveryHarness) -> None:
    trailers = Trailers(h)
    viewer = await h.viewer(tier="premium", status="canceled")
    # An editor listing the feature itself (or any video taken as a feature) among the trailers
    # does not make it free to watch; nor does a trailer of another title.
    await trailers.publish(h.video.video_id)
    feature_as_trailer = await h.start(viewer, content_id=h.video.video_id)
    assert feature_as_trailer.status_code == 403 and problem_code(feature_as_trailer) == "title-not-published"
    other_titles = await trailers.add(title_id=new_id_str())
    await trailers.publish(other_titles)
    borrowed = await h.start(viewer, content_id=other_titles)
    assert borrowed.status_code == 403 and problem_code(borrowed) == "title-not-published"
    # Listed before media announced it: not ready yet, like any video.
    pending = new_id_str()
    await trailers.publish(pending)
    early = await h.start(viewer, content_id=pending)
    assert early.status_code == 409 and problem_code(early) == "video-not-ready"


async def test_an_unpublished_trailer_ends_its_sessions_and_is_no_longer_served(
    h: DeliveryHarness, trailer: str
) -> None:
    viewer = await h.viewer(tier="basic", status="canceled")
    session = await Trailers(h).start(viewer, trailer)
    segment = await first_segment(h, session)
    assert f"/videos/{trailer}/" in segment
    await h.feed(
        TitleUnpublishedV1(
            title_id=h.video.title_id,
            content_id=trailer,
            video_id=trailer,
            reason="unpublished",
            unpublished_at=dt.datetime.now(dt.UTC),
        )
    )
    beat = await h.client.post(
        f"/api/v1/playback/{session['session_id']}/heartbeat", headers=viewer.auth, json={}
    )
    assert beat.status_code == 409 and problem_code(beat) == "session-ended"
    again = await h.start(viewer, content_id=trailer)
    assert again.status_code == 403 and problem_code(again) == "title-not-published"
    # The same signed segment URL is refused by the origin's gate now.
    refused = await h.client.get(segment)
    assert refused.status_code == 403 and problem_code(refused) == "title-not-published"


async def test_a_feature_listed_as_a_trailer_is_not_served_once_its_title_is_unpublished(
    h: DeliveryHarness,
) -> None:
    viewer = await h.viewer(tier="standard")
    feature = (await h.start(viewer)).json()
    segment = await first_segment(h, feature)  # a signed URL the viewer keeps (valid for hours)
    await Trailers(h).publish(h.video.video_id)  # an editor lists the feature among trailers
    await h.unpublish_title()
    refused = await h.client.get(segment)
    assert refused.status_code == 403 and problem_code(refused) == "title-not-published"
