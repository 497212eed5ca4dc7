"""Issue 19's web defects in Chromium against `cinemesh up`: the admin Catalog page lists every
title from the server, a draft's backdrop preview loads, availability defaults to worldwide; the
password reset and e-mail verification pages; the account page's change password, export and
delete; a real Browse page; a 404 page for unknown routes; the hero's Play; languages from a list."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.web._helpers import admin_client, assert_same_origin, sign_in
from tests.fixtures.browser import RecordedPage
from tests.fixtures.platform import RunningPlatform

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.xdist_group("web")]


def jpeg(tmp_path: Path) -> Path:
    """A real 16:9 JPEG (the catalog checks magic numbers), made by ffmpeg."""
    import subprocess

    from tests.fixtures.media import ffmpeg_exe

    out = tmp_path / "backdrop.jpg"
    subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x180",
            "-frames:v",
            "1",
            str(out),
        ],
        check=True,
    )
    return out


def open_admin(page: Page, platform: RunningPlatform) -> None:
    sign_in(page, platform.admin_email, platform.admin_password)
    page.locator(".profile-tile").first.click()
    page.wait_for_url(re.compile(r"/$"))


def test_admin_catalog_lists_every_title_from_the_server_and_previews_a_drafts_backdrop(
    web_platform: RunningPlatform,
    browser_page: Callable[..., RecordedPage],
    screenshot: Callable[[Page, str], Path],
    tmp_path: Path,
) -> None:
    name = f"Server draft {uuid.uuid4().hex[:6]}"
    with admin_client(web_platform.base_url, web_platform.admin_email, web_platform.admin_password) as admin:
        created = admin.post("/api/v1/titles", json={"title": name, "type": "movie"})
        assert created.status_code == 201, created.text
        title_id = created.json()["id"]
        backdrop = admin.put(
            f"/api/v1/titles/{title_id}/images/backdrop",
            content=jpeg(tmp_path).read_bytes(),
            headers={"content-type": "image/jpeg"},
        )
        assert backdrop.status_code == 200, backdrop.text

    # A browser that never made the draft (nothing in its localStorage) lists it: the list is the server's.
    recorded = browser_page()
    page = recorded.page
    open_admin(page, web_platform)
    page.goto("/admin")
    expect(page.get_by_role("heading", name="Catalog")).to_be_visible()
    expect(page.locator(f"tr[data-title-id='{title_id}']")).to_contain_text("draft")
    assert page.evaluate("localStorage.getItem('cinemesh.admin.recent')") is None

    page.locator(f"tr[data-title-id='{title_id}'] a").click()
    page.wait_for_url(f"**/admin/title/{title_id}")
    preview = page.locator("img.image-preview")
    expect(preview).to_be_visible()
    page.wait_for_function("document.querySelector('img.image-preview').naturalWidth > 0")
    assert page.evaluate("document.querySelector('img.image-preview').naturalWidth") == 320
    image_requests = [r for r in recorded.requests if r.url.endswith(f"/titles/{title_id}/images/backdrop")]
    assert image_requests and all(
        r.headers.get("authorization", "").startswith("Bearer ") for r in image_requests
    )

    # Availability: worldwide by default; saved as one "*" window with its exceptions.
    expect(page.get_by_label("Where")).to_have_value("worldwide")
    page.get_by_label("Except countries (ISO codes, optional)").fill("kp, ir")
    page.get_by_role("button", name="Save windows").click()
    expect(page.locator(".availability-summary")).to_have_text("Worldwide except IR, KP")
    screenshot(page, "admin-title-worldwide")
    with admin_client(web_platform.base_url, web_platform.admin_email, web_platform.admin_password) as admin:
        windows = admin.get(f"/api/v1/titles/{title_id}").json()["availability"]
    assert [(w["country"], w["except_countries"]) for w in windows] == [("*", ["IR", "KP"])]
    assert_same_origin(recorded, web_platform.base_url)
