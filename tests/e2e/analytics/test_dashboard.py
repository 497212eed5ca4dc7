"""The web player's beacons reach the admin dashboard, in Chromium against `cinemesh up`: a viewer
plays a film, and the dashboard then shows one play of it with the startup time the page measured
(within 20 %); a viewer cannot read the figures."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.e2e.web._helpers import PASSWORD, TitleMaker, admin_client, clip, new_viewer, sign_in, wait_playing
from tests.fixtures.browser import RecordedPage
from tests.fixtures.platform import RunningPlatform

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.xdist_group("web"), pytest.mark.timeout(600)]


def _figure(page: RecordedPage, table: str, label: str) -> float:
    cell = page.page.locator(f'[data-table="{table}"] tr', has_text=label).locator("td")
    return float((cell.inner_text()).replace(",", ""))


def test_a_play_in_the_browser_shows_on_the_dashboard(
    web_platform: RunningPlatform, browser_page: Callable[..., RecordedPage], tmp_path: Path
) -> None:
    with admin_client(web_platform.base_url, web_platform.admin_email, web_platform.admin_password) as admin:
        film = TitleMaker(admin).start(
            {"title": f"Counted {uuid.uuid4().hex[:6]}", "type": "movie", "maturity_rating": "PG"},
            video=clip(tmp_path / "film.mp4", size="480x360", seconds=20),
        )()
    email, account = new_viewer(web_platform.base_url)
    try:
        main = next(p for p in account.get("/api/v1/me/profiles").json()["items"] if p["is_main"])
        refused = account.get("/api/v1/analytics/qoe")
        assert refused.status_code == 403, refused.text
    finally:
        account.close()
    viewer = browser_page()
    sign_in(viewer.page, email, PASSWORD)
    viewer.page.locator(".profile-tile", has_text=main["name"]).click()
    viewer.page.wait_for_url(re.compile(r"/$"))
    viewer.page.goto(f"/title/{film['id']}")
    viewer.page.get_by_role("link", name="▶ Play", exact=True).click()
    viewer.page.wait_for_url("**/watch/**")
    wait_playing(viewer.page, 3.0)
    startup_ms = viewer.page.evaluate("() => window.__cinemesh.startupMs")
    assert startup_ms and startup_ms > 0
    with viewer.page.expect_response(lambda r: "/api/v1/analytics/beacons" in r.url) as sent:
        viewer.page.evaluate(
            "() => { history.pushState(null, '', '/'); dispatchEvent(new PopStateEvent('popstate')); }"
        )
    assert sent.value.status == 202, sent.value.text()
    assert sent.value.json()["rejected"] == 0

    with httpx.Client(base_url=web_platform.base_url) as client:
        login = client.post(
            "/api/v1/auth/login",
            json={"email": web_platform.admin_email, "password": web_platform.admin_password},
        )
        qoe = client.get(
            "/api/v1/analytics/qoe",
            params={"title_id": film["id"]},
            headers={"Authorization": f"Bearer {login.json()['access_token']}"},
        ).json()
    assert qoe["plays"] == 1 and qoe["playback_failure_rate"] == 0, qoe
    assert qoe["startup_time_p50_ms"] == pytest.approx(startup_ms, rel=0.2), (qoe, startup_ms)

    dashboard = browser_page()
    sign_in(dashboard.page, web_platform.admin_email, web_platform.admin_password)
    dashboard.page.goto(f"/admin/analytics?title_id={film['id']}")
    try:
        dashboard.page.locator('[data-table="engagement"]').wait_for()
    except Exception:
        shown = dashboard.page.inner_text("body")
        pytest.fail(f"no dashboard: {dashboard.page.url} {shown!r} {dashboard.console_errors}")
    assert _figure(dashboard, "qoe", "Plays") == 1
    assert _figure(dashboard, "qoe", "Video startup time, p50") == pytest.approx(startup_ms, rel=0.2)
    assert _figure(dashboard, "engagement", "Plays") == 1  # delivery's session, from its event
