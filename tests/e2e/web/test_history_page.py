"""The profile's history page in Chromium against `cinemesh up`: watched entries paged (Show
more), mark unwatched, remove one, pause history, delete all. The entries are players' progress
reports published on the platform's bus as delivery would (no transcoding needed)."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from cinemesh.contracts.delivery import PlaybackProgressV1
from tests.e2e.delivery.test_playback_through_gateway import platform_settings, publish
from tests.e2e.web._helpers import PASSWORD, admin_client, new_viewer, sign_in, wait_for
from tests.e2e.web.test_catalog_and_account_pages import publish as publish_title
from tests.fixtures.browser import RecordedPage
from tests.fixtures.platform import RunningPlatform

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.xdist_group("web"), pytest.mark.timeout(300)]
WATCHED = 22  # past one page of 20


def report(
    user_id: str, profile_id: str, content_id: str, title_id: str, position: float, at: dt.datetime
) -> PlaybackProgressV1:
    return PlaybackProgressV1(
        session_id=str(uuid.uuid4()), user_id=user_id, profile_id=profile_id, device_id=str(uuid.uuid4()),
        content_id=content_id, title_id=title_id, content_type="movie", video_id=content_id,
        position_seconds=position, duration_seconds=1000.0, trailer=False, sequence=1, reported_at=at,
    )  # fmt: skip


def publish_reports(platform: RunningPlatform, events: list[PlaybackProgressV1]) -> None:
    """On a thread: Playwright's sync API owns this thread's event loop."""
    failed: list[BaseException] = []

    def run() -> None:
        with platform_settings(platform) as settings:
            try:
                asyncio.run(publish(settings, list(events)))
            except BaseException as exc:
                failed.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(60)
    assert not failed, failed


def test_history_page_pages_marks_removes_pauses_and_deletes(
    web_platform: RunningPlatform, browser_page: Callable[..., RecordedPage]
) -> None:
    with admin_client(web_platform.base_url, web_platform.admin_email, web_platform.admin_password) as admin:
        film = publish_title(admin, {"title": f"Long Night {uuid.uuid4().hex[:6]}", "type": "movie"})
    email, account = new_viewer(web_platform.base_url)
    try:
        me = account.get("/api/v1/me").json()
        main = next(p["profile_id"] for p in me["profiles"] if p["is_main"])
        start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
        watched = [str(uuid.uuid4()) for _ in range(WATCHED)]
        events = [
            # Films of their own (unknown to catalog: the page names them by id), not the
            # episodes of one series: continue watching keeps one entry per series.
            report(me["user_id"], main, content, content, 990.0, start + dt.timedelta(seconds=i))
            for i, content in enumerate(watched)
        ]
        later = start + dt.timedelta(minutes=5)
        events.append(report(me["user_id"], main, film["id"], film["id"], 400.0, later))
        publish_reports(web_platform, events)
        params = {"profile_id": main, "limit": 100}

        def applied() -> bool:
            return len(account.get("/api/v1/history", params=params).json().get("items", [])) == WATCHED

        wait_for(applied, 30, "history applied the reports")

        page = browser_page().page
        sign_in(page, email, PASSWORD)
        page.locator(".profile-tile").first.click()
        page.wait_for_url("**/")
        page.get_by_role("link", name="History", exact=True).click()
        page.wait_for_url("**/history")
        in_progress = page.locator("#history-in-progress li")
        rows = page.locator("#history-watched li")
        expect(in_progress).to_have_count(1)
        expect(in_progress.first).to_contain_text(film["title"])
        expect(rows).to_have_count(20)
        newest = rows.first.get_attribute("data-content-id")
        assert newest == watched[-1]
        page.locator("#history-more").click()
        expect(rows).to_have_count(WATCHED)
        expect(page.locator("#history-more")).to_be_hidden()

        rows.first.get_by_role("button", name=f"Mark unwatched: {watched[-1]}").click()
        expect(rows).to_have_count(20)  # reloaded: the first page again, without it
        expect(rows.first).to_have_attribute("data-content-id", watched[-2])
        entry = account.get(f"/api/v1/history/progress/{watched[-1]}", params={"profile_id": main}).json()
        assert entry["completed"] is False

        in_progress.first.get_by_role("button", name=f"Remove: {film['title']}").click()
        expect(page.locator("#history-in-progress")).to_be_hidden()
        gone = account.get(f"/api/v1/history/progress/{film['id']}", params={"profile_id": main})
        assert gone.status_code == 404

        page.get_by_label("Pause history").check()
        wait_for(lambda: account.get("/api/v1/history/paused", params={"profile_id": main}).json()["paused"],
                 10, "history paused")  # fmt: skip

        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Delete all history").click()
        expect(page.locator("#history-empty")).to_be_visible()
        expect(rows).to_have_count(0)
        assert account.get("/api/v1/history", params=params).json()["items"] == []
    finally:
        account.close()
