"""`/docs` in Chromium with no network beyond the platform: Swagger UI renders from the assets
the platform serves (it used to load them from a CDN and stay blank offline), and shows the
public document, media's uploads and videos included."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

from tests.fixtures.browser import RecordedPage
from tests.fixtures.platform import RunningPlatform

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.xdist_group("web")]


def test_api_docs_render_with_no_network(
    browser_page: Callable[..., RecordedPage],
    web_platform: RunningPlatform,
    screenshot: Callable[[Page, str], Path],
) -> None:
    recorded: RecordedPage = browser_page()
    platform = urlsplit(web_platform.base_url).netloc
    refused: list[str] = []

    def only_the_platform(route: Route) -> None:
        # Everything else is cut, as on a machine with no network.
        if urlsplit(route.request.url).netloc == platform:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort("internetdisconnected")

    recorded.context.route("**/*", only_the_platform)
    page = recorded.page
    page.goto("/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("cinemesh")
    for path in ("/api/v1/uploads", "/api/v1/videos/{video_id}/events", "/api/v1/titles", "/api/v1/me"):
        expect(page.locator(f'.opblock-summary-path[data-path="{path}"]').first).to_be_visible()
    screenshot(page, "api-docs")
    assert refused == [], f"/docs reached beyond the platform: {refused}"
    assert not recorded.console_errors, recorded.console_errors
