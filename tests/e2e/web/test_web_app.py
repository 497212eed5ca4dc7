"""The web app as a person uses it, in Debian's Chromium: an admin uploads and publishes a title;
a viewer signs up, makes a kids profile, searches, opens the title and plays it (Shaka, ABR,
ClearKey when delivery offers it); the kids profile never sees the R-rated title; nothing is
requested from any origin but the platform's. Screenshots land in build/screenshots/web/.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.web._helpers import PASSWORD, assert_same_origin, new_viewer, sign_in, tus_upload, wait_for
from tests.fixtures.browser import PHONE, SCREENSHOTS, RecordedPage
from tests.fixtures.media import _testsrc
from tests.fixtures.platform import RunningPlatform

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.xdist_group("web")]

SUFFIX = uuid.uuid4().hex[:6]
FAMILY_TITLE = f"Meadow Morning {SUFFIX}"
ADULT_TITLE = f"Midnight Verdict {SUFFIX}"
SCREENSHOT_FACTS = SCREENSHOTS / "player-facts.json"


# -- fixtures --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clip_4x3(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """6 s at 640x480: every rung of its ladder (240/360/480p) has exactly the same 4:3 shape.

    (A 16:9 source gives 426x240 next to 640x360, which ffmpeg's DASH muxer refuses to put in one
    adaptation set, so delivery's CENC packaging, and with it DASH ClearKey, fails for it.)"""
    out = tmp_path_factory.mktemp("web-clips") / "family-4x3.mp4"
    _testsrc(out, size="640x480", seconds=6)
    return out


@pytest.fixture(scope="module")
def admin_api(web_platform: RunningPlatform) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=web_platform.base_url, timeout=60) as client:
        login = client.post(
            "/api/v1/auth/login",
            json={"email": web_platform.admin_email, "password": web_platform.admin_password},
        )
        assert login.status_code == 200, login.text
        client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        yield client


def publish_in_background(admin_api: httpx.Client, body: dict[str, Any], clip: Path) -> Callable[[], str]:
    """Creates, uploads (tus), waits for and publishes a title over the API, in a thread; the
    returned function waits for it and gives its id."""
    result: dict[str, Any] = {}

    def make() -> None:
        try:
            now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))
            windows = [{"country": c, "starts_at": now} for c in ("US", "GB", "DE", "FR")]
            created = admin_api.post("/api/v1/titles", json={**body, "availability": windows})
            assert created.status_code == 201, created.text
            title_id = created.json()["id"]
            video_id = tus_upload(admin_api, clip, title_id=title_id, filename=clip.name)
            wait_for(
                lambda: admin_api.get(f"/api/v1/videos/{video_id}").json()["status"] == "ready", 240, "video"
            )
            wait_for(
                lambda: admin_api.get(f"/api/v1/titles/{title_id}").json()["status"] == "ready", 60, "title"
            )
            published = admin_api.post(f"/api/v1/titles/{title_id}/publish")
            assert published.status_code == 200, published.text
            result["id"] = title_id
        except BaseException as exc:
            result["error"] = exc

    worker = threading.Thread(target=make, daemon=True)
    worker.start()

    def get() -> str:
        worker.join(timeout=300)
        if "error" in result:
            raise result["error"]
        return str(result["id"])

    return get


@pytest.fixture(scope="module")
def family_title(admin_api: httpx.Client, clip_4x3: Path) -> Callable[[], str]:
    """A G-rated film from a 4:3 clip (so DASH ClearKey is packaged), made over the API."""
    body = {
        "title": FAMILY_TITLE,
        "type": "movie",
        "maturity_rating": "G",
        "release_year": 2024,
        "genres": ["animation", "family"],
        "description": "A rabbit, a meadow and a very long morning.",
    }
    return publish_in_background(admin_api, body, clip_4x3)


@pytest.fixture(scope="module")
def adult_title(admin_api: httpx.Client, media_clip: Callable[[str], Path]) -> Callable[[], str]:
    """An R-rated film, made over the API in the background while the browser tests run."""
    body = {
        "title": ADULT_TITLE,
        "type": "movie",
        "maturity_rating": "R",
        "genres": ["thriller", "animation"],
        "description": "A courtroom thriller for grown-ups.",
    }
    return publish_in_background(admin_api, body, media_clip("small.mp4"))


# -- tests -----------------------------------------------------------------------------------------


def test_admin_uploads_with_progress_and_publishes(
    web_platform: RunningPlatform,
    browser_page: Callable[..., RecordedPage],
    screenshot: Callable[[Page, str], Path],
    clip_4x3: Path,
) -> None:
    recorded = browser_page()
    page = recorded.page
    sign_in(page, web_platform.admin_email, web_platform.admin_password)
    page.locator(".profile-tile").first.click()
    page.wait_for_url(re.compile(r"/$"))
    page.get_by_role("link", name="Admin", exact=True).click()
    page.wait_for_url("**/admin")

    page.locator("summary", has_text="New title").wait_for()
    page.locator("details.panel").evaluate("details => { details.open = true; }")
    page.get_by_label("Title", exact=True).fill(f"Admin Upload {SUFFIX}")
    page.get_by_label("Maturity rating", exact=True).select_option("G")
    page.get_by_label("Release year", exact=True).fill("2024")
    page.get_by_label("Genres (comma separated)", exact=True).fill("animation, family")
    page.get_by_label("Description", exact=True).fill("A rabbit, a meadow and a very long morning.")
    page.get_by_role("button", name="Create title").click()
    page.wait_for_url("**/admin/title/*")

    # Worldwide is the default (issue 19); this title is shown in four countries only.
    page.get_by_label("Where", exact=True).select_option("countries")
    page.get_by_label("Countries (ISO codes, comma separated)", exact=True).fill("US, GB, DE, FR")
    page.get_by_role("button", name="Save windows").click()
    expect(page.locator("#toast")).to_have_text("Availability saved")

    page.set_input_files("#upload-file", str(clip_4x3))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".upload-percent")).to_have_text("100%", timeout=60_000)
    assert page.locator("progress.upload-progress").evaluate("p => p.value") == 100
    expect(page.locator(".job-status")).to_contain_text("ready", timeout=240_000)
    assert page.locator("progress.job-progress").evaluate("p => p.value") == 100
    screenshot(page, "admin-upload-ready")
    # The transcode was followed over the event stream (fetch + ReadableStream), not by polling.
    paths = [urlsplit(request.url).path for request in recorded.requests]
    streams = [path for path in paths if re.fullmatch(r"/api/v1/videos/[0-9a-f-]{36}/events", path)]
    polls = [path for path in paths if re.fullmatch(r"/api/v1/videos/[0-9a-f-]{36}", path)]
    assert len(streams) == 1, streams
    assert polls == [], polls
    publish = page.get_by_role("button", name="Publish")
    expect(publish).to_be_visible(timeout=60_000)
    publish.click()
    expect(page.locator(".status").first).to_have_text("published", timeout=20_000)
    screenshot(page, "admin-title-published")
    assert_same_origin(recorded, web_platform.base_url)


def test_viewer_signs_up_searches_opens_and_plays(
    web_platform: RunningPlatform,
    browser_page: Callable[..., RecordedPage],
    screenshot: Callable[[Page, str], Path],
    family_title: Callable[[], str],
    adult_title: Callable[[], str],
) -> None:
    family_id, _ = family_title(), adult_title()
    recorded = browser_page()
    page = recorded.page
    page.goto("/")
    page.wait_for_url("**/signin?next=*")
    screenshot(page, "signin")
    page.get_by_role("link", name="Create an account").click()
    email = f"viewer-{SUFFIX}@example.com"
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Username", exact=True).fill(f"viewer_{SUFFIX}")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Country", exact=True).select_option("US")
    screenshot(page, "signup")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/profiles")

    # A kids profile, made on the account page.
    page.get_by_role("link", name="Manage profiles").click()
    page.get_by_label("Name", exact=True).fill("Kids")
    page.get_by_label("Kids profile (PG and TV-PG at most)", exact=True).check()
    page.get_by_role("button", name="Add profile").click()
    expect(page.locator(".list-item", has_text="Kids")).to_be_visible()
    screenshot(page, "account-profiles")

    page.goto("/profiles")
    expect(page.locator(".profile-tile")).to_have_count(2)
    screenshot(page, "profiles")
    page.locator(".profile-tile[data-kids=false]").first.click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.locator("section[aria-labelledby=row-new] a.card").first).to_be_visible()
    expect(page.locator(f".card[data-title-id='{family_id}']").first).to_be_visible()
    screenshot(page, "home-desktop")
    # Keyboard: a row is one tab stop; arrow keys move between its cards.
    cards = page.locator("section[aria-labelledby=row-new] a.card")
    cards.first.focus()
    page.keyboard.press("ArrowRight")
    assert cards.nth(1).evaluate("card => card === document.activeElement")
    page.set_viewport_size(PHONE)
    screenshot(page, "home-phone")
    page.set_viewport_size({"width": 1366, "height": 800})

    # Server-side search: Enter opens the results; on the results page the box searches as you
    # type, and words are prefixes. A title hit outranks a description hit: the admin test's
    # title carries the same suffix and "meadow ... morning" in its description.
    search_box = page.get_by_role("searchbox", name="Search titles")
    search_box.fill(f"meadow {SUFFIX}")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=*")
    results = page.get_by_role("list", name="Search results").locator("a.card")
    expect(results.first).to_have_attribute("data-title-id", family_id)
    search_box.fill(f"nothing matches {SUFFIX}")  # the box of the results page, live
    expect(page.locator("#main [role=status]")).to_have_text("0 titles")
    expect(results).to_have_count(0)
    search_box.fill(f"mead morn {SUFFIX}")
    expect(results.first).to_have_attribute("data-title-id", family_id)
    assert "q=mead+morn" in page.url or "q=mead%20morn" in page.url
    screenshot(page, "search")
    results.first.click()
    page.wait_for_url(f"**/title/{family_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(FAMILY_TITLE)
    page.get_by_role("button", name="+ My list").click()
    expect(page.get_by_role("button", name="✓ In my list")).to_be_visible()
    screenshot(page, "title")

    page.get_by_role("link", name="▶ Play").click()
    page.wait_for_url("**/watch/*")
    try:
        page.wait_for_function(
            "() => document.querySelector('video') && document.querySelector('video').currentTime > 3",
            timeout=60_000,
        )
    except Exception:
        screenshot(page, "player-failed")
        state = page.evaluate(
            "() => ({errors: window.__cinemesh.errors, session: window.__cinemesh.session,"
            " panel: document.querySelector('.player-panel')?.innerText,"
            " time: document.querySelector('video')?.currentTime})"
        )
        failed = [(r.method, r.url, r.response() and r.response().status) for r in recorded.requests[-15:]]  # type: ignore[union-attr]
        pytest.fail(f"playback did not pass 3 s: {state}\nlast requests: {failed}\n{recorded.console_errors}")
    facts = page.evaluate(
        """() => {
            const m = window.__cinemesh, p = m.player, v = document.querySelector('video');
            return {
              time: v.currentTime,
              heights: [...new Set(p.getVariantTracks().map((t) => t.height).filter(Boolean))],
              variants: p.getVariantTracks().map((t) => [t.height, t.bandwidth, t.active]),
              keySystem: p.keySystem(),
              mediaKeys: Boolean(v.mediaKeys),
              dashDrm: m.session.drm.dash,
              hlsDrm: m.session.drm.hls,
              format: document.querySelector('.player').dataset.format,
              startupMs: m.startupMs,
              errors: m.errors,
            };
        }"""
    )
    assert facts["time"] > 3
    assert len(facts["heights"]) >= 2, facts
    if facts["dashDrm"]:
        # ClearKey: the browser's EME session took a licence from delivery and decrypts with it.
        assert facts["format"] == "dash" and facts["keySystem"] == "org.w3.clearkey", facts
        assert facts["mediaKeys"], facts
        licences = [r for r in recorded.requests if r.url.endswith("/license") and r.method == "POST"]
        assert licences and all(r.response() and r.response().status == 200 for r in licences)  # type: ignore[union-attr]
    else:
        # Delivery offered no DASH ClearKey for this video: HLS (AES-128 when the session says so).
        assert facts["format"] == "hls", facts
    page.locator(".player").hover()
    page.get_by_role("button", name="Quality").click()
    expect(page.get_by_role("menuitemradio")).to_have_count(len(facts["heights"]) + 1)
    screenshot(page, "player")
    page.keyboard.press("Escape")
    (SCREENSHOT_FACTS).write_text(json.dumps(facts, indent=2))
    if page.evaluate("() => window.__cinemesh.session.thumbnails_vtt"):
        # Trick-play: hovering the seek bar shows the sprite region of that moment.
        expect(page.locator(".seek-preview[data-cues]")).to_have_count(1, timeout=10_000)
        seek = page.locator("input.seek")
        box = seek.bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2)
        expect(page.locator(".seek-preview")).to_be_visible()
        assert "url(" in page.locator(".seek-thumb").evaluate("el => el.style.backgroundImage")
        screenshot(page, "player-trickplay")
    # Keyboard: k pauses.
    page.locator(".player").focus()
    page.keyboard.press("k")
    assert page.evaluate("() => document.querySelector('video').paused")

    # Leaving the player ends the playback session.
    with page.expect_response(
        lambda r: r.request.method == "DELETE" and "/api/v1/playback/" in r.url
    ) as ended:
        page.get_by_role("link", name="Back to title").click()
    assert ended.value.status == 204
    assert_same_origin(recorded, web_platform.base_url)


def test_kids_profile_never_sees_the_r_rated_title(
    web_platform: RunningPlatform,
    browser_page: Callable[..., RecordedPage],
    screenshot: Callable[[Page, str], Path],
    family_title: Callable[[], str],
    adult_title: Callable[[], str],
) -> None:
    family_id, adult_id = family_title(), adult_title()
    viewer, account = new_viewer(web_platform.base_url, profiles=[{"name": "Kids", "is_kids": True}])
    account.close()
    recorded = browser_page()
    page = recorded.page
    sign_in(page, viewer, PASSWORD)

    # The adult profile sees it: the title is live, so its absence below is the kids limit.
    page.locator(".profile-tile[data-kids=false]").first.click()
    expect(page.locator(f".card[data-title-id='{adult_id}']").first).to_be_visible()

    page.goto("/profiles")
    page.locator(".profile-tile[data-kids=true]").click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.locator(f".card[data-title-id='{family_id}']").first).to_be_visible()
    expect(page.locator(f".card[data-title-id='{adult_id}']")).to_have_count(0)
    assert page.locator(".card[data-rating='R']").count() == 0
    screenshot(page, "home-kids")

    page.get_by_role("searchbox", name="Search titles").fill("midnight verdict")
    page.keyboard.press("Enter")
    expect(page.locator("#main [role=status]")).to_have_text("0 titles")
    page.goto(f"/title/{adult_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    screenshot(page, "kids-direct-link")
    assert_same_origin(recorded, web_platform.base_url)


def test_admin_titles_lists_drafts_by_status_and_search(
    web_platform: RunningPlatform,
    browser_page: Callable[..., RecordedPage],
    screenshot: Callable[[Page, str], Path],
    admin_api: httpx.Client,
) -> None:
    created = admin_api.post("/api/v1/titles", json={"title": f"Draft Heron {SUFFIX}", "type": "movie"})
    assert created.status_code == 201, created.text
    draft_id = created.json()["id"]
    recorded = browser_page()
    page = recorded.page
    sign_in(page, web_platform.admin_email, web_platform.admin_password)
    page.locator(".profile-tile").first.click()
    page.get_by_role("link", name="Admin", exact=True).click()
    page.get_by_role("link", name="All titles, drafts included").click()
    page.wait_for_url("**/admin/titles")

    rows = page.locator("table.admin-titles tbody tr")
    draft_row = page.locator(f"tr[data-title-id='{draft_id}']")
    # The write model lists it at once, whatever the read model knows.
    expect(draft_row).to_be_visible()
    page.get_by_label("Status", exact=True).select_option("published")
    expect(draft_row).to_have_count(0)
    page.get_by_label("Status", exact=True).select_option("draft")
    page.get_by_label("Title or external id", exact=True).fill(f"heron {SUFFIX}")
    expect(rows).to_have_count(1)
    expect(draft_row.locator(".status")).to_have_text("draft")
    assert "status=draft" in page.url
    screenshot(page, "admin-titles")
    draft_row.get_by_role("link").click()
    page.wait_for_url(f"**/admin/title/{draft_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Draft Heron {SUFFIX}")
    assert_same_origin(recorded, web_platform.base_url)


def test_shell_is_no_cache_and_assets_are_immutable(web_platform: RunningPlatform) -> None:
    shell = httpx.get(f"{web_platform.base_url}/title/anything")
    assert shell.status_code == 200
    assert shell.headers["cache-control"] == "no-cache"
    assert "default-src 'self'" in shell.headers["content-security-policy"]
    asset = re.search(r'src="(/assets/app-[A-Z0-9]+\.js)"', shell.text)
    assert asset, shell.text
    served = httpx.get(f"{web_platform.base_url}{asset.group(1)}")
    assert served.status_code == 200
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert served.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    missing = httpx.get(f"{web_platform.base_url}/api/v1/no-such-thing")
    assert missing.status_code == 404
    # Percent-encoded dot segments reach the app undecoded by the client; they must not escape.
    for sneaky in ("/assets/%2e%2e/app.py", "/assets/..%2f..%2fapp.py", "/assets/missing-ABC.js"):
        assert httpx.get(f"{web_platform.base_url}{sneaky}").status_code == 404, sneaky


def test_closing_the_tab_ends_the_playback_session(
    web_platform: RunningPlatform,
    browser_page: Callable[..., RecordedPage],
    family_title: Callable[[], str],
) -> None:
    """The basic plan allows one stream. While a tab plays, a second tab is refused; once the first
    tab is closed (pagehide -> DELETE with keepalive) the second plays, without waiting for the
    heartbeat timeout."""
    family_id = family_title()
    viewer, account = new_viewer(web_platform.base_url)
    account.close()
    recorded = browser_page()
    first = recorded.page
    sign_in(first, viewer, PASSWORD)
    first.locator(".profile-tile[data-kids=false]").first.click()
    first.goto(f"/watch/{family_id}")
    first.wait_for_function("() => document.querySelector('video')?.currentTime > 1", timeout=60_000)

    second = recorded.context.new_page()  # a new tab: its own sessionStorage, so sign in again
    sign_in(second, viewer, PASSWORD)
    second.locator(".profile-tile[data-kids=false]").first.click()
    second.goto(f"/watch/{family_id}")
    expect(second.locator(".player-panel[role=alert]")).to_contain_text("concurrent stream")

    closed_at = time.monotonic()
    first.close(run_before_unload=True)
    # The keepalive DELETE races the retry; within seconds, not the 90 s heartbeat timeout.
    while True:
        second.reload()
        second.wait_for_selector(".player[data-state]:not([data-state=loading])", timeout=60_000)
        if second.locator(".player-panel[role=alert]").count() == 0:
            break
        assert time.monotonic() - closed_at < 20, "the closed tab's session still holds the stream"
        second.wait_for_timeout(1000)
    second.wait_for_function("() => document.querySelector('video')?.currentTime > 1", timeout=60_000)
    assert_same_origin(recorded, web_platform.base_url)
