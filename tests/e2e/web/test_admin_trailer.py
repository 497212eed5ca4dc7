"""The admin upload page's "Upload as: Trailer" choice, in Chromium against `cinemesh up`: the file
goes up over tus with `kind=trailer`, the media pipeline transcodes it, and the catalog lists it in
the title's trailers without making it the title's video (the title stays a draft)."""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.web._helpers import admin_client, assert_same_origin, clip, sign_in
from tests.fixtures.browser import RecordedPage
from tests.fixtures.platform import RunningPlatform

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.xdist_group("web")]


def upload_metadata(header: str) -> dict[str, str]:
    pairs = (item.strip().partition(" ") for item in header.split(","))
    return {key: base64.b64decode(value).decode() for key, _, value in pairs}


def test_admin_uploads_a_trailer_that_the_catalog_lists(
    web_platform: RunningPlatform,
    browser_page: Callable[..., RecordedPage],
    screenshot: Callable[[Page, str], Path],
    tmp_path: Path,
) -> None:
    with admin_client(web_platform.base_url, web_platform.admin_email, web_platform.admin_password) as admin:
        created = admin.post(
            "/api/v1/titles", json={"title": f"Trailer Park {uuid.uuid4().hex[:6]}", "type": "movie"}
        )
        assert created.status_code == 201, created.text
        title_id = created.json()["id"]

        recorded = browser_page()
        page = recorded.page
        sign_in(page, web_platform.admin_email, web_platform.admin_password)
        page.locator(".profile-tile").first.click()
        page.wait_for_url(re.compile(r"/$"))
        page.goto(f"/admin/title/{title_id}")
        expect(page.locator(".trailer-list")).to_have_text("No trailers yet")
        page.set_input_files("#upload-file", str(clip(tmp_path / "trailer.mp4", size="320x240", seconds=3)))
        page.get_by_label("Upload as", exact=True).select_option(label="Trailer")
        page.get_by_role("button", name="Upload").click()
        expect(page.locator(".job-status")).to_contain_text("ready", timeout=240_000)
        expect(page.locator("#toast")).to_have_text("Trailer added", timeout=30_000)

        creations = [r for r in recorded.requests if r.method == "POST" and r.url.endswith("/api/v1/uploads")]
        assert len(creations) == 1
        metadata = upload_metadata(creations[0].headers["upload-metadata"])
        assert (metadata["kind"], metadata["title_id"]) == ("trailer", title_id), metadata
        document = admin.get(f"/api/v1/titles/{title_id}").json()
        (video_id,) = document["trailers"]
        expect(page.locator(".trailer-list")).to_have_text(f"Trailers: {video_id}")
        # A trailer is not the title's video: it stays a draft with nothing to publish.
        assert document["video_id"] is None and document["status"] == "draft", document
        expect(page.get_by_role("button", name="Publish")).to_have_count(0)
        expect(page.get_by_role("button", name="Upload")).to_be_enabled()  # ready for another
        screenshot(page, "admin-trailer-listed")
        assert_same_origin(recorded, web_platform.base_url)
