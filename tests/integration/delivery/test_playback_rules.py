"""Every rule of a playback session, each refusal a problem naming it; sessions, heartbeats,
keys and licences of one account are out of reach of another."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import m3u8
import pytest
from sqlalchemy import update

from cinemesh.contracts.catalog import AvailabilityWindow
from cinemesh.contracts.users import SubscriptionChangedV1
from cinemesh.delivery.drm.clearkey import b64url, b64url_decode
from cinemesh.delivery.store.tables import SessionRow
from tests.fixtures.cmaf import CmafVideo
from tests.integration.delivery.harness import DeliveryHarness, running_delivery

pytestmark = pytest.mark.timeout(120)


def problem_code(response: object) -> str:
    body = response.json()  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    return str(body["type"]).rsplit("/", 1)[-1]


@pytest.fixture
async def h(tmp_path: Path, cmaf_video: CmafVideo):  # type: ignore[no-untyped-def]
    async with running_delivery(tmp_path, cmaf_video) as harness:
        await harness.publish_title(rating="R")
        yield harness


async def test_basic_plan_gets_720p_and_is_refused_1080p(h: DeliveryHarness) -> None:
    viewer = await h.viewer()  # no subscription event yet: basic/active by default
    refused = await h.start(viewer, max_height=1080)
    assert refused.status_code == 403 and problem_code(refused) == "plan-quality-limit"
    session = (await h.start(viewer)).json()
    assert session["max_height"] == 720 and session["tier"] == "basic"
    master = m3u8.loads((await h.client.get(session["hls_url"])).text)
    assert sorted(p.stream_info.resolution[1] for p in master.playlists) == [480, 720]
    # Guessing the 1080p playlist or segment URLs does not help: neither is signed for it.
    above = session["hls_url"].replace("master.m3u8", "p/hls/1080p/playlist.m3u8")
    response = await h.client.get(above)
    assert response.status_code == 403 and problem_code(response) == "plan-quality-limit"
    media = m3u8.loads((await h.client.get(master.playlists[-1].uri)).text)
    segment = media.segments[0].uri
    assert "/720p/" in segment
    response = await h.client.get(segment.replace("/720p/", "/1080p/"))
    assert response.status_code == 403 and problem_code(response) == "url-token-invalid"


async def test_stream_limit_counts_live_sessions_only(h: DeliveryHarness) -> None:
    viewer = await h.viewer(tier="basic")
    first = (await h.start(viewer)).json()
    second = await h.start(viewer)
    assert second.status_code == 409 and problem_code(second) == "plan-stream-limit"
    assert (
        await h.client.delete(f"/api/v1/playback/{first['session_id']}", headers=viewer.auth)
    ).status_code == 204
    third = (await h.start(viewer)).json()
    # A session whose heartbeats stopped no longer counts, and cannot be revived.
    async with h.app.state.runtime.database.transaction() as session:
        stale = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
        await session.execute(
            update(SessionRow)
            .where(SessionRow.session_id == third["session_id"])
            .values(last_heartbeat_at=stale)
        )
    assert (await h.start(viewer)).status_code == 201
    beat = await h.client.post(
        f"/api/v1/playback/{third['session_id']}/heartbeat", headers=viewer.auth, json={}
    )
    assert beat.status_code == 409 and problem_code(beat) == "session-expired"


async def test_standard_plan_allows_two_concurrent_streams(h: DeliveryHarness) -> None:
    viewer = await h.viewer(tier="standard")
    results = await asyncio.gather(*(h.start(viewer) for _ in range(4)))
    assert sorted(r.status_code for r in results) == [201, 201, 409, 409]


async def test_maturity_kids_and_pin_unlock(h: DeliveryHarness) -> None:
    kid = await h.viewer(tier="premium", limit="PG", is_kids=True)
    refused = await h.start(kid)
    assert refused.status_code == 403 and problem_code(refused) == "maturity-restricted"
    locked = await h.viewer(tier="premium", limit="PG-13", pin_required=True)
    refused = await h.start(locked)
    assert refused.status_code == 403 and problem_code(refused) == "profile-unlock-required"
    unlock = h.issuer.issue(
        user_id=locked.user_id, roles=[], token_use="profile-unlock", extra={"profile_id": locked.profile_id}
    )
    wrong_profile = h.issuer.issue(
        user_id=locked.user_id, roles=[], token_use="profile-unlock", extra={"profile_id": kid.profile_id}
    )
    refused = await h.start(locked, unlock_token=wrong_profile)
    assert refused.status_code == 403 and problem_code(refused) == "invalid-unlock-token"
    refused = await h.start(locked, unlock_token=locked.token)  # an access token is not an unlock
    assert refused.status_code == 403 and problem_code(refused) == "invalid-unlock-token"
    assert (await h.start(locked, unlock_token=unlock)).status_code == 201


async def test_subscription_region_publication_and_device_rules(h: DeliveryHarness) -> None:
    lapsed = await h.viewer(tier="premium", status="canceled")
    response = await h.start(lapsed)
    assert response.status_code == 403 and problem_code(response) == "subscription-inactive"
    abroad = await h.viewer(tier="premium", country="JP")
    response = await h.start(abroad)
    assert response.status_code == 403 and problem_code(response) == "region-unavailable"
    viewer = await h.viewer(tier="premium")
    response = await h.start(viewer, device_id="not-a-device")
    assert response.status_code == 403 and problem_code(response) == "device-not-registered"
    await h.feed(
        SubscriptionChangedV1(
            user_id=lapsed.user_id, tier="premium", status="active", changed_at=dt.datetime.now(dt.UTC)
        )
    )
    assert (await h.start(lapsed)).status_code == 201
    later = [AvailabilityWindow(country="US", starts_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=3))]
    await h.publish_title(rating="R", windows=later)
    response = await h.start(viewer)
    assert response.status_code == 403 and problem_code(response) == "region-unavailable"
    await h.unpublish_title()
    response = await h.start(viewer)
    assert response.status_code == 403 and problem_code(response) == "title-not-published"


async def test_a_worldwide_window_plays_everywhere_but_its_excepted_countries(h: DeliveryHarness) -> None:
    # The catalog's worldwide window ("*", less except_countries) through delivery's own event
    # handler and store, as the catalog publishes it.
    worldwide = AvailabilityWindow(
        country="*", starts_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=1), except_countries=["FR"]
    )
    await h.publish_title(windows=[worldwide])
    assert (await h.start(await h.viewer(tier="premium", country="JP"))).status_code == 201
    refused = await h.start(await h.viewer(tier="premium", country="FR"))
    assert refused.status_code == 403 and problem_code(refused) == "region-unavailable"


async def test_no_cross_account_access(h: DeliveryHarness) -> None:
    alice, bob = await h.viewer(tier="premium"), await h.viewer(tier="premium")
    response = await h.start(alice, profile_id=bob.profile_id)
    assert response.status_code == 404 and problem_code(response) == "profile-not-found"
    response = await h.start(alice, device_id=bob.device_id)
    assert response.status_code == 403 and problem_code(response) == "device-not-registered"
    bobs = (await h.start(bob)).json()
    sid = bobs["session_id"]
    for method, path in (
        ("POST", f"/api/v1/playback/{sid}/heartbeat"),
        ("DELETE", f"/api/v1/playback/{sid}"),
    ):
        response = await h.client.request(method, path, headers=alice.auth)
        assert response.status_code == 404 and problem_code(response) == "session-not-found"
    kid = bobs["drm"]["dash"]["kid"]
    response = await h.client.post(
        f"/api/v1/playback/{sid}/license", headers=alice.auth, json={"kids": [kid]}
    )
    # As heartbeat and end: another account's session is a missing one (issue 20, item 10).
    assert response.status_code == 404 and problem_code(response) == "session-not-found"
    assert (await h.client.post(f"/api/v1/playback/{sid}/heartbeat", headers=bob.auth)).status_code == 200


async def test_keys_and_licences_only_for_a_live_session(h: DeliveryHarness) -> None:
    viewer = await h.viewer(tier="premium")
    session = (await h.start(viewer)).json()
    key_url = session["hls_url"].replace("master.m3u8", "key")
    hls_key = await h.client.get(key_url)
    assert hls_key.status_code == 200 and len(hls_key.content) == 16
    assert hls_key.headers["cache-control"] == "no-store"
    kid = session["drm"]["dash"]["kid"]
    licence = await h.client.post(
        f"/api/v1/playback/{session['session_id']}/license",
        headers=viewer.auth,
        json={"kids": [kid], "type": "temporary"},
    )
    assert licence.status_code == 200
    keys = licence.json()["keys"]
    assert keys[0]["kty"] == "oct" and keys[0]["kid"] == kid
    assert b64url_decode(keys[0]["k"]) == hls_key.content  # one key per title, both formats
    wrong = await h.client.post(
        f"/api/v1/playback/{session['session_id']}/license",
        headers=viewer.auth,
        json={"kids": [b64url(b"x" * 16)]},
    )
    assert wrong.status_code == 400 and problem_code(wrong) == "license-request-invalid"
    # Without a live session: no key, no licence.
    await h.client.delete(f"/api/v1/playback/{session['session_id']}", headers=viewer.auth)
    response = await h.client.get(key_url)
    assert response.status_code == 403 and problem_code(response) == "session-not-live"
    response = await h.client.post(
        f"/api/v1/playback/{session['session_id']}/license", headers=viewer.auth, json={"kids": [kid]}
    )
    assert response.status_code == 403 and problem_code(response) == "session-not-live"
    response = await h.client.post(
        "/api/v1/playback/no-such-session/license", headers=viewer.auth, json={"kids": [kid]}
    )
    assert response.status_code == 404 and problem_code(response) == "session-not-found"


async def test_origin_refuses_tampered_expired_and_unsigned_urls(h: DeliveryHarness) -> None:
    viewer = await h.viewer(tier="premium")
    session = (await h.start(viewer)).json()
    url = session["hls_url"].removeprefix("http://origin.test")
    token, _, path = url.removeprefix("/api/v1/stream/").partition("/")
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    expired = h.app.state.context.signer.token(path.rsplit("/", 1)[0] + "/", expires=1)
    cases = {
        f"/api/v1/stream/{tampered}/{path}": "url-token-invalid",
        f"/api/v1/stream/{expired}/{path}": "url-token-expired",
        f"/api/v1/stream/nonsense/{path}": "url-token-malformed",
        f"/api/v1/stream/{token}/videos/{h.video.video_id}/hls/master.m3u8": "url-token-invalid",
    }
    for bad, code in cases.items():
        response = await h.client.get(bad)
        assert response.status_code == 403 and problem_code(response) == code, bad
    assert (await h.client.get(url)).status_code == 200
