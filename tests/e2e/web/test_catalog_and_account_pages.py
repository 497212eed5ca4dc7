"""Issue 19's web defects in Chromium against `cinemesh up`: the admin Catalog page lists every
title from the server, a draft's backdrop preview loads, availability defaults to worldwide; the
password reset and e-mail verification pages; the account page's change password, export and
delete; a real Browse page; a 404 page for unknown routes; the hero's Play; languages from a list."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.web._helpers import PASSWORD, admin_client, assert_same_origin, new_viewer, sign_in
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


WORLDWIDE = [{"country": "*", "starts_at": "2020-01-01T00:00:00Z"}]


def publish(admin: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    """A published title without transcoding: the admin's stand-in for media attaches a video id."""
    created = admin.post("/api/v1/titles", json={**body, "availability": WORLDWIDE})
    assert created.status_code == 201, created.text
    title = created.json()
    episodes = [e["id"] for s in title["seasons"] for e in s["episodes"]]
    target = f"/api/v1/titles/{title['id']}" + (f"/episodes/{episodes[0]}" if episodes else "")
    assert admin.put(f"{target}/video", json={"video_id": uuid.uuid4().hex}).status_code == 200
    published = admin.post(f"/api/v1/titles/{title['id']}/publish")
    assert published.status_code == 200, published.text
    document: dict[str, Any] = published.json()
    return document


def sign_in_viewer(page: Page, email: str) -> None:
    sign_in(page, email, PASSWORD)
    page.locator(".profile-tile").first.click()
    page.wait_for_url(re.compile(r"/$"))


def cards(page: Page) -> list[str]:
    return page.locator(".browse-grid a.card .card-title").all_inner_texts()


def test_browse_is_a_grid_of_every_title_with_filters_and_sorting(
    web_platform: RunningPlatform,
    browser_page: Callable[..., RecordedPage],
    screenshot: Callable[[Page, str], Path],
) -> None:
    genre = f"g{uuid.uuid4().hex[:6]}"
    with admin_client(web_platform.base_url, web_platform.admin_email, web_platform.admin_password) as admin:
        publish(admin, {"title": "Zebra Crossing", "type": "movie", "genres": [genre], "release_year": 2001})
        publish(admin, {"title": "Aardvark Nights", "type": "movie", "genres": [genre], "release_year": 2005})
        series = {
            "title": "Mole Tunnels",
            "type": "tv_series",
            "genres": [genre],
            "release_year": 2005,
            "seasons": [{"number": 1, "episodes": [{"number": 1, "name": "Down"}]}],
        }
        publish(admin, series)
    email, viewer = new_viewer(web_platform.base_url)
    viewer.close()
    recorded = browser_page()
    page = recorded.page
    sign_in_viewer(page, email)

    page.get_by_role("link", name="Browse", exact=True).click()
    page.wait_for_url("**/browse")
    expect(page.get_by_role("heading", name="Browse")).to_be_visible()
    expect(page.locator(".browse-grid a.card").first).to_be_visible()  # not an empty search page
    page.get_by_label("Genre").select_option(genre)
    expect(page.locator(".browse-grid a.card")).to_have_count(3)
    page.get_by_label("Sort").select_option("title")
    expect(page.locator(".browse-grid a.card").first).to_contain_text("Aardvark Nights")
    assert cards(page) == ["Aardvark Nights", "Mole Tunnels", "Zebra Crossing"]
    # The A-Z index starts the list at a letter.
    page.get_by_role("navigation", name="A to Z").get_by_role("button", name="M", exact=True).click()
    expect(page.locator(".browse-grid a.card")).to_have_count(2)
    assert cards(page) == ["Mole Tunnels", "Zebra Crossing"] and "from=M" in page.url
    page.get_by_role("navigation", name="A to Z").get_by_role("button", name="A", exact=True).click()
    expect(page.locator(".browse-grid a.card")).to_have_count(3)
    page.get_by_label("Type").select_option("movie")
    expect(page.locator(".browse-grid a.card")).to_have_count(2)
    page.get_by_label("Year").fill("2001")
    expect(page.locator(".browse-grid a.card")).to_have_count(1)
    expect(page.locator(".browse-grid a.card")).to_contain_text("Zebra Crossing")
    # The address keeps the filters: a reload shows the same grid.
    assert f"genre={genre}" in page.url and "year=2001" in page.url and "sort=title" in page.url
    page.reload()
    expect(page.locator(".browse-grid a.card")).to_have_count(1)
    expect(page.get_by_label("Type")).to_have_value("movie")
    screenshot(page, "browse")

    # The home page's featured title has a Play button that starts it.
    page.goto("/")
    play = page.locator(".hero .hero-play")
    expect(play).to_be_visible()
    more_info = page.locator(".hero a", has_text="More info").get_attribute("href")
    assert more_info is not None
    featured = more_info.rsplit("/", 1)[-1]
    assert play.get_attribute("href") in (f"/watch/{featured}",) or (
        play.get_attribute("href") or ""
    ).endswith(f"?title={featured}")

    # An unknown address is a 404 page, not the home page.
    page.goto("/no/such/page")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    assert page.url.endswith("/no/such/page")
    assert_same_origin(recorded, web_platform.base_url)


def mail_token(platform: RunningPlatform, email: str, purpose: str) -> str:
    """A mail token as the users service would mail it (the test platform mails nothing): stored
    hashed in the users database, like `Credentials._mail_link` does."""
    token = secrets.token_urlsafe(32)
    database = Path(platform.env["CINEMESH_DATA_DIR"]) / "users.db"
    with sqlite3.connect(database, timeout=30) as connection:
        (user_id,) = connection.execute("SELECT id FROM users WHERE email = ?", (email,)).fetchone()
        connection.execute(
            "INSERT INTO mail_tokens (token_hash, user_id, purpose, email, expires_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                hashlib.sha256(token.encode()).hexdigest(),
                user_id,
                purpose,
                email,
                "2099-01-01 00:00:00.000000",
            ),
        )
    return token


def test_password_reset_and_email_verification_pages(
    web_platform: RunningPlatform,
    browser_page: Callable[..., RecordedPage],
    screenshot: Callable[[Page, str], Path],
) -> None:
    email, viewer = new_viewer(web_platform.base_url)
    viewer.close()
    recorded = browser_page()
    page = recorded.page
    page.goto("/signin")
    page.get_by_role("link", name="Forgot password?").click()
    page.wait_for_url("**/forgot-password")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_role("button", name="Send reset link").click()
    expect(page.locator(".form-success")).to_contain_text("reset link is on its way")
    requested = [r for r in recorded.requests if r.url.endswith("/api/v1/auth/password-reset")]
    assert len(requested) == 1 and requested[0].method == "POST"

    # The mailed link: /reset-password?token=...
    token = mail_token(web_platform, email, "reset_password")
    page.goto(f"/reset-password?token={token}")
    assert token not in page.url  # read, then taken out of the address bar and history
    new_password = "a brand new passphrase"
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("New password again").fill(new_password)
    page.get_by_role("button", name="Set new password").click()
    expect(page.locator(".form-success")).to_contain_text("Your password is changed")
    screenshot(page, "reset-password-done")
    with httpx.Client(base_url=web_platform.base_url) as client:
        login = client.post("/api/v1/auth/login", json={"email": email, "password": new_password})
        assert login.status_code == 200, login.text

    # The verification link: a page that says so, not raw JSON.
    token = mail_token(web_platform, email, "verify_email")
    page.goto(f"/verify-email?token={token}")
    expect(page.locator(".form-success")).to_have_text("Your email address is verified.")
    page.goto(f"/verify-email?token={token}")  # used: the page says the link is spent
    expect(page.locator(".form-error")).to_contain_text("does not work any more")
    with httpx.Client(base_url=web_platform.base_url) as client:
        login = client.post("/api/v1/auth/login", json={"email": email, "password": new_password})
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"})
        assert me.json()["account_metadata"]["email_verified"] is True
    assert_same_origin(recorded, web_platform.base_url)


def test_account_changes_password_exports_data_picks_languages_and_deletes_itself(
    web_platform: RunningPlatform,
    browser_page: Callable[..., RecordedPage],
    screenshot: Callable[[Page, str], Path],
) -> None:
    email, viewer = new_viewer(web_platform.base_url)
    viewer.close()
    recorded = browser_page()
    page = recorded.page
    sign_in_viewer(page, email)

    # Languages come from a list, not a free-text box.
    page.goto("/account/preferences")
    language = page.get_by_label("Language", exact=True)
    assert language.evaluate("el => el.tagName") == "SELECT"
    language.select_option("fr")
    page.get_by_label("Subtitle language").select_option("de")
    page.get_by_role("button", name="Save preferences").click()
    expect(page.locator("#toast")).to_have_text("Preferences saved")

    page.goto("/account/security")
    new_password = "another long passphrase"
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("New password again").fill(new_password)
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#toast")).to_have_text("Password changed")
    with httpx.Client(base_url=web_platform.base_url) as client:
        old = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert old.status_code == 401
        login = client.post("/api/v1/auth/login", json={"email": email, "password": new_password})
        assert login.status_code == 200
        me = client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"}
        ).json()
    assert (me["preferences"]["language"], me["preferences"]["subtitle_language"]) == ("fr", "de")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download my data").click()
    download = download_info.value
    assert download.suggested_filename == "cinemesh-account.json"
    exported = json.loads(Path(download.path()).read_text())
    assert email in json.dumps(exported)
    screenshot(page, "account-security")

    page.get_by_label(re.compile("Type your email")).fill(email)
    page.get_by_role("button", name="Delete my account").click()
    page.wait_for_url("**/signin?deleted=1")
    expect(page.locator(".form-success")).to_have_text("Your account is deleted.")
    with httpx.Client(base_url=web_platform.base_url) as client:
        gone = client.post("/api/v1/auth/login", json={"email": email, "password": new_password})
        assert gone.status_code == 401
    assert_same_origin(recorded, web_platform.base_url)


def test_admin_users_page_searches_views_and_suspends_an_account(
    web_platform: RunningPlatform,
    browser_page: Callable[..., RecordedPage],
    screenshot: Callable[[Page, str], Path],
) -> None:
    email, viewer = new_viewer(web_platform.base_url)
    user_id = viewer.get("/api/v1/me").json()["user_id"]
    viewer.close()
    recorded = browser_page()
    page = recorded.page
    open_admin(page, web_platform)
    page.goto("/admin")
    page.get_by_role("link", name="Users", exact=True).click()
    page.wait_for_url("**/admin/users")
    page.get_by_label("Email or username").fill(email)
    row = page.locator(f"tr[data-user-id='{user_id}']")
    expect(row).to_contain_text("active")
    expect(page.locator(".admin-users tbody tr")).to_have_count(1)
    row.get_by_role("button", name=email).click()
    detail = page.locator(".user-detail")
    expect(detail.get_by_role("heading", name=email)).to_be_visible()
    detail.get_by_role("button", name="Suspend").click()
    expect(detail.get_by_role("button", name="Reactivate")).to_be_visible()
    expect(row).to_contain_text("suspended")
    screenshot(page, "admin-users")
    with admin_client(web_platform.base_url, web_platform.admin_email, web_platform.admin_password) as admin:
        account = admin.get(f"/api/v1/admin/users/{user_id}").json()
        assert account["account_metadata"]["account_status"] == "suspended"
    with httpx.Client(base_url=web_platform.base_url) as client:
        refused = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert refused.status_code in (401, 403), refused.text
    detail.get_by_role("button", name="Reactivate").click()
    expect(detail.get_by_role("button", name="Suspend")).to_be_visible()
    assert_same_origin(recorded, web_platform.base_url)
