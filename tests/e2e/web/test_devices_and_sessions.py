"""Signing in and devices as a viewer meets them (issue 19), in Debian's Chromium against the
session's `cinemesh up`:

- the sign-in survives a new tab and a browser restart (the refresh token is an HttpOnly,
  SameSite=Strict cookie no script can read), and signing out ends it;
- a browser reuses its device across sign-ins (one device, named after browser and OS) and plays
  the moment it is registered;
- a full device list offers to replace the least recently used device (and links the Devices
  page), and Play goes on after it;
- a plan whose only stream another device holds offers "Stop playback on other devices", and a
  player stopped that way from elsewhere says so.

Screenshots land in build/screenshots/web/.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.web._helpers import (
    PASSWORD,
    TitleMaker,
    admin_client,
    assert_same_origin,
    clip,
    new_viewer,
    sign_in,
    wait_playing,
)
from tests.fixtures.browser import RecordedPage
from tests.fixtures.platform import RunningPlatform

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.xdist_group("web")]

DEVICES = "/api/v1/me/devices"


@pytest.fixture(scope="module")
def film(
    web_platform: RunningPlatform, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[], str]]:
    """A PG film of 8 s at 320x240, made in the background; call it for its id."""
    clips = tmp_path_factory.mktemp("device-clips")
    with admin_client(web_platform.base_url, web_platform.admin_email, web_platform.admin_password) as admin:
        made = TitleMaker(admin).start(
            {"title": "Lighthouse Keeper", "type": "movie", "maturity_rating": "PG", "genres": ["drama"]},
            video=clip(clips / "film.mp4", size="320x240", seconds=8),
        )
        yield lambda: str(made()["id"])


@pytest.fixture
def account(web_platform: RunningPlatform) -> Iterator[tuple[str, httpx.Client]]:
    email, client = new_viewer(web_platform.base_url)
    yield email, client
    client.close()


def _pick_main_profile(page: Page) -> None:
    page.locator(".profile-tile[data-kids=false]").first.click()
    page.wait_for_url(re.compile(r"/$"))


def _devices(client: httpx.Client) -> list[dict[str, Any]]:
    listed = client.get(DEVICES)
    assert listed.status_code == 200, listed.text
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


def test_sign_in_survives_a_new_tab_and_a_browser_restart(
    web_platform: RunningPlatform,
    browser_page: Callable[..., RecordedPage],
    account: tuple[str, httpx.Client],
    screenshot: Callable[[Page, str], Path],
) -> None:
    email, _ = account
    recorded = browser_page()
    sign_in(recorded.page, email, PASSWORD)
    cookie = next(c for c in recorded.context.cookies() if c["name"] == "cinemesh_refresh")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/api/v1/auth/refresh"
    assert cookie["expires"] > time.time() + 29 * 24 * 3600  # kept across restarts
    readable = recorded.page.evaluate(
        "() => document.cookie + JSON.stringify({...localStorage}) + JSON.stringify({...sessionStorage})"
    )
    assert cookie["value"] not in readable  # no script can read the refresh token

    tab = recorded.context.new_page()  # a new tab: nothing in memory, nothing in sessionStorage
    tab.goto("/account")
    expect(tab.locator(".account")).to_contain_text(email)

    # A restarted browser keeps its persistent cookies and localStorage, nothing else.
    restarted = browser_page(storage_state=recorded.context.storage_state())
    restarted.page.goto("/account")
    expect(restarted.page.locator(".account")).to_contain_text(email)
    screenshot(restarted.page, "signed-in-after-restart")

    restarted.page.get_by_role("button", name="Sign out").click()
    restarted.page.wait_for_url("**/signin")
    assert not [c for c in restarted.context.cookies() if c["name"] == "cinemesh_refresh"]
    again = restarted.context.new_page()
    again.goto("/account")
    again.wait_for_url("**/signin*")
    assert_same_origin(recorded, web_platform.base_url)


def test_a_browser_reuses_its_device_and_plays_at_once(
    browser_page: Callable[..., RecordedPage],
    account: tuple[str, httpx.Client],
    film: Callable[[], str],
) -> None:
    email, client = account
    film_id = film()
    page = browser_page().page
    sign_in(page, email, PASSWORD)
    _pick_main_profile(page)  # the home page registers the device early...
    page.goto(f"/watch/{film_id}")  # ...and the player right away: the same device, playing
    wait_playing(page, 1)
    [device] = _devices(client)
    assert re.fullmatch(r"\w+ on Linux", device["device_name"]), device

    page.goto("/")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/signin")
    sign_in(page, email, PASSWORD)
    _pick_main_profile(page)
    page.goto(f"/watch/{film_id}")
    wait_playing(page, 1)
    [again] = _devices(client)
    assert again["device_id"] == device["device_id"]
    assert again["last_active"] >= device["last_active"]


def test_a_full_device_list_offers_to_replace_the_least_recently_used(
    browser_page: Callable[..., RecordedPage],
    account: tuple[str, httpx.Client],
    film: Callable[[], str],
    screenshot: Callable[[Page, str], Path],
) -> None:
    email, client = account
    for index in range(10):
        body = {
            "device_type": "tablet",
            "device_name": f"Tablet {index}",
            "installation_id": f"tablet-{index:04d}",
        }
        assert client.post(DEVICES, json=body).status_code == 201
    film_id = film()
    page = browser_page().page
    sign_in(page, email, PASSWORD)
    _pick_main_profile(page)
    page.goto(f"/watch/{film_id}")
    card = page.locator(".player-panel[role=alert]")
    expect(card).to_contain_text("10 devices")
    expect(card.get_by_role("link", name="Manage devices")).to_have_attribute("href", "/account/devices")
    screenshot(page, "device-list-full")
    card.get_by_role("button", name="Replace Tablet 0").click()
    wait_playing(page, 1)
    names = [device["device_name"] for device in _devices(client)]
    assert len(names) == 10 and "Tablet 0" not in names
    assert any(re.fullmatch(r"\w+ on Linux", name) for name in names), names


def test_stop_playback_on_other_devices(
    browser_page: Callable[..., RecordedPage],
    account: tuple[str, httpx.Client],
    film: Callable[[], str],
    screenshot: Callable[[Page, str], Path],
) -> None:
    email, client = account  # basic plan: one stream
    film_id = film()
    tv = client.post(DEVICES, json={"device_type": "smart_tv", "device_name": "Living room TV"}).json()
    profile_id = client.get("/api/v1/me").json()["profiles"][0]["profile_id"]
    body = {"content_id": film_id, "profile_id": profile_id, "device_id": tv["device_id"]}
    held = client.post("/api/v1/playback", json=body)  # the TV plays (or crashed while playing)
    assert held.status_code == 201, held.text

    page = browser_page().page
    sign_in(page, email, PASSWORD)
    _pick_main_profile(page)
    page.goto(f"/watch/{film_id}")
    card = page.locator(".player-panel[role=alert]")
    expect(card).to_have_attribute("data-code", "plan-stream-limit")
    screenshot(page, "stream-limit-stop-others")
    card.get_by_role("button", name="Stop playback on other devices").click()
    wait_playing(page, 1)
    beat = client.post(f"/api/v1/playback/{held.json()['session_id']}/heartbeat", json={})
    assert beat.status_code == 409 and beat.json()["type"].endswith("/session-ended")

    # Now the TV takes the stream back: the browser's player stops and says why.
    stopped = client.post("/api/v1/playback/stop-others", json={"keep_device_id": tv["device_id"]})
    assert stopped.json() == {"stopped": 1}
    expect(page.locator(".player-panel[role=alert]")).to_contain_text(
        "stopped from another device", timeout=25_000
    )
    assert page.evaluate("() => document.querySelector('video').paused")

    # The account page offers the same action.
    assert client.post("/api/v1/playback", json=body).status_code == 201
    page.goto("/account/devices")
    page.get_by_role("button", name="Stop playback on other devices").click()
    expect(page.locator("#toast")).to_contain_text("Stopped playback on 1 other device")
