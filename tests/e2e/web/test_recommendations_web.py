"""Discovery's rows in the web app (Chromium against `cinemesh up`): a viewer's watch (a player's
progress report on the bus, as delivery sends it) gives the home page a "Because you watched"
row with its one-line reason, and a title page a More like this row; with discovery answering
503 the home page still renders its other rows, and the title page renders without the row."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import Route, expect

from tests.e2e.web._helpers import PASSWORD, admin_client, new_viewer, sign_in, wait_for
from tests.e2e.web.test_catalog_and_account_pages import publish
from tests.e2e.web.test_history_page import publish_reports, report
from tests.e2e.web.test_viewer_flows import go
from tests.fixtures.browser import RecordedPage
from tests.fixtures.platform import RunningPlatform

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.xdist_group("web"), pytest.mark.timeout(300)]


def test_home_and_title_pages_show_discovery_rows_and_do_without_them(
    web_platform: RunningPlatform, browser_page: Callable[..., RecordedPage]
) -> None:
    suffix = uuid.uuid4().hex[:6]
    director = [{"name": f"Reel Director {suffix}", "job": "director"}]
    alike = {"type": "movie", "genres": ["drama"], "crew": director}
    with admin_client(web_platform.base_url, web_platform.admin_email, web_platform.admin_password) as admin:
        seed, kin, other = (
            publish(admin, {"title": f"{name} {suffix}", **alike})
            for name in ("Harbour Lights", "Harbour Tides", "Harbour Winds")
        )
    email, account = new_viewer(web_platform.base_url)
    try:
        me = account.get("/api/v1/me").json()
        main = next(p["profile_id"] for p in me["profiles"] if p["is_main"])
        at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
        # A row of the page's own (not the gateway's composition, which may leave a late one out).
        saved = {"content_id": other["id"], "content_type": "movie", "profile_id": main}
        assert account.post("/api/v1/me/list", json=saved).status_code in (200, 201)
        publish_reports(web_platform, [report(me["user_id"], main, seed["id"], seed["id"], 990.0, at)])
        because = f"Because you watched {seed['title']}"

        def learnt() -> bool:
            rows = account.get("/api/v1/recommendations/home", params={"profile_id": main}).json()
            return any(row["title"] == because for row in rows.get("rows", []))

        wait_for(learnt, 30, "discovery learnt the watch")

        page = browser_page().page
        sign_in(page, email, PASSWORD)
        page.locator(".profile-tile").first.click()
        page.wait_for_url("**/")
        row = page.locator("section.row", has=page.get_by_role("heading", name=because))
        expect(row).to_be_visible()
        reason = f"Watched by viewers of {seed['title']}, or made alike"
        expect(row.locator(".row-reason")).to_have_text(reason)
        expect(row.locator(f"a.card[data-title-id='{kin['id']}']")).to_be_visible()
        expect(page.locator("#row-my-list")).to_be_visible()  # the page's other rows below

        go(page, f"/title/{kin['id']}")
        title_page = page.locator(f"article.title-page[data-title-id='{kin['id']}']")
        expect(title_page.get_by_role("heading", name="More like this")).to_be_visible()
        more = title_page.locator("section.row", has=page.locator("#row-more-like-this"))
        expect(more.locator(f"a.card[data-title-id='{other['id']}']")).to_be_visible()

        # Discovery down: the home page renders its other rows, the title page its own content.
        def unavailable(route: Route) -> None:
            route.fulfill(status=503, content_type="application/problem+json", body='{"title": "down"}')

        page.route(re.compile(r".*/api/v1/recommendations/.*"), unavailable)
        go(page, "/")
        expect(page.locator("#row-my-list")).to_be_visible()
        expect(page.get_by_role("heading", name=because)).to_have_count(0)
        expect(page.locator(".row-reason")).to_have_count(0)
        go(page, f"/title/{other['id']}")
        title_page = page.locator(f"article.title-page[data-title-id='{other['id']}']")
        expect(title_page.get_by_role("heading", name=other["title"])).to_be_visible()
        expect(title_page.get_by_role("heading", name="More like this")).to_have_count(0)
    finally:
        account.close()
