"""Cross-device resume in Chromium against `cinemesh up`: two browser contexts of one account
(two devices). The first plays a 20 s film to ~10 s and pauses (the pause reports at once);
within 2 s the second's home page, open all along, shows the film in Continue watching at
~10 s through the profile's history stream (no reload, no polling), and its Resume starts the
player at 10 s +/- 2 from the server's point. The account's kids profile and another account
see none of it."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.e2e.web._helpers import PASSWORD, TitleMaker, admin_client, clip, new_viewer, sign_in, wait_playing
from tests.fixtures.browser import RecordedPage
from tests.fixtures.platform import RunningPlatform

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.xdist_group("web"), pytest.mark.timeout(420)]


def open_home(page: Page, email: str, profile_name: str) -> None:
    sign_in(page, email, PASSWORD)
    page.locator(".profile-tile", has_text=profile_name).click()
    page.wait_for_url(re.compile(r"/$"))
    page.locator("#main .rows:not([aria-busy])").wait_for()


def test_progress_on_one_device_is_offered_on_the_other(
    web_platform: RunningPlatform, browser_page: Callable[..., RecordedPage], tmp_path: Path
) -> None:
    with admin_client(web_platform.base_url, web_platform.admin_email, web_platform.admin_password) as admin:
        film = TitleMaker(admin).start(
            {"title": f"Two Screens {uuid.uuid4().hex[:6]}", "type": "movie", "maturity_rating": "PG"},
            video=clip(tmp_path / "film.mp4", size="480x360", seconds=20),
        )()
    email, account = new_viewer(web_platform.base_url, profiles=[{"name": "Little", "is_kids": True}])
    try:
        profiles = account.get("/api/v1/me/profiles").json()["items"]
        main = next(p for p in profiles if p["is_main"])
        kids = next(p for p in profiles if p["is_kids"])
        tv, phone = browser_page(), browser_page()
        open_home(phone.page, email, main["name"])
        open_home(tv.page, email, main["name"])

        tv.page.goto(f"/title/{film['id']}")
        tv.page.get_by_role("link", name="▶ Play", exact=True).click()
        tv.page.wait_for_url("**/watch/**")
        wait_playing(tv.page, 10.0)
        position = tv.page.evaluate(
            "() => { const v = document.querySelector('video'); v.pause(); return v.currentTime; }"
        )
        paused_at = time.monotonic()

        entry = phone.page.locator(f'.continue-row li[data-content-id="{film["id"]}"]')
        phone.page.wait_for_function(
            """([selector, at]) =>
                Math.abs(Number(document.querySelector(selector)?.dataset.position ?? -99) - at) <= 2""",
            arg=[f'.continue-row li[data-content-id="{film["id"]}"]', position],
            timeout=5_000,
        )
        shown_after = time.monotonic() - paused_at
        assert shown_after < 2.0, f"the other device saw the report after {shown_after:.2f} s"
        assert 40 <= float(entry.locator("progress").get_attribute("value") or 0) <= 60

        # The TV stops (its session ends: the plan has one stream), and the phone goes on.
        with tv.page.expect_response(lambda r: r.request.method == "DELETE" and "/api/v1/playback/" in r.url):
            tv.page.evaluate(
                "() => { history.pushState(null, '', '/'); dispatchEvent(new PopStateEvent('popstate')); }"
            )
        entry.get_by_role("link", name="▶ Resume").click()
        phone.page.wait_for_url("**/watch/**")
        wait_playing(phone.page, position)
        resumed_at = phone.page.evaluate("() => window.__cinemesh.resumedAt")
        assert resumed_at is not None and abs(resumed_at - position) <= 2, (resumed_at, position)

        row = "/api/v1/history/continue-watching"
        assert account.get(row, params={"profile_id": kids["profile_id"]}).json()["items"] == []
        _, stranger = new_viewer(web_platform.base_url)
        try:
            assert stranger.get(row, params={"profile_id": main["profile_id"]}).status_code == 404
        finally:
            stranger.close()
    finally:
        account.close()
