"""The viewer's side of the web app beyond the first play (issue #7), in Debian's Chromium against
this module's own `cinemesh up`, which signs in with a real OpenID provider (node oidc-provider):

- social login: the button, the provider's own login and consent pages, back signed in, and the
  tokens never left in the address bar or sent anywhere in a URL;
- a PIN-locked profile set up on the account page: the picker asks for the PIN (a wrong one is an
  error), and a title above the profile's limit plays only with the unlock delivery verifies;
- the Quality menu switches the rendition; the position is kept and playback resumes there;
- the Audio menu switches between the source's two languages, the Subtitles menu shows a cue;
- the title page's trailer, inline;
- the next episode at the end of one, started or only offered according to the autoplay preference.

Screenshots land in build/screenshots/web/.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, Response, expect

from tests.e2e.web._helpers import (
    PASSWORD,
    TitleMaker,
    admin_client,
    assert_origins,
    assert_same_origin,
    clip,
    new_viewer,
    player_state,
    sign_in,
    wait_playing,
)
from tests.fixtures.browser import DESKTOP, OIDC_PROVIDER_NAME, PHONE, OidcWebPlatform, RecordedPage
from tests.fixtures.media import SUBTITLE_CUES
from tests.fixtures.platform import RunningPlatform

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.xdist_group("web")]

SUFFIX = uuid.uuid4().hex[:6]
FILM = f"Harbour Lights {SUFFIX}"
SERIES = f"Tidewater {SUFFIX}"
BILINGUAL = f"Babel Bay {SUFFIX}"
PIN = "2468"


# -- this module's platform and titles ------------------------------------------------------------


@pytest.fixture(scope="module")
def web_platform(oidc_web_platform: OidcWebPlatform) -> RunningPlatform:
    """Overrides the session's platform for this module: `browser_page` opens pages on this one."""
    return oidc_web_platform.platform


class Titles:
    def __init__(self, **makers: Callable[[], dict[str, Any]]) -> None:
        self.film, self.series, self.bilingual = makers["film"], makers["series"], makers["bilingual"]


@pytest.fixture(scope="module", autouse=True)
def titles(
    web_platform: RunningPlatform,
    tmp_path_factory: pytest.TempPathFactory,
    media_clip: Callable[[str], Path],
) -> Iterator[Titles]:
    """Started before the first test (the social-login test needs none), made in the background:

    - an R-rated film, 20 s at 480x360 (two renditions, 240p and 360p, both 4:3 so DASH ClearKey is
      packaged), with a 4 s trailer;
    - a TV-PG series of two 4 s episodes at 320x240;
    - a PG film from tests.fixtures.media's multilang.mp4: 4 s at 640x360, two audio languages
      (eng, fra) and two text subtitle streams (eng, fra)."""
    clips = tmp_path_factory.mktemp("viewer-clips")
    with admin_client(web_platform.base_url, web_platform.admin_email, web_platform.admin_password) as admin:
        maker = TitleMaker(admin)
        film = maker.start(
            {
                "title": FILM,
                "type": "movie",
                "maturity_rating": "R",
                "release_year": 2025,
                "genres": ["drama"],
                "description": "Lights over a harbour, for grown-ups.",
            },
            video=clip(clips / "film.mp4", size="480x360", seconds=20),
            trailer=clip(clips / "trailer.mp4", size="320x240", seconds=4),
        )
        episode = clip(clips / "episode.mp4", size="320x240", seconds=4)
        series = maker.start(
            {
                "title": SERIES,
                "type": "tv_series",
                "maturity_rating": "TV-PG",
                "genres": ["documentary"],
                "description": "Two tides a day.",
                "seasons": [
                    {
                        "number": 1,
                        "name": "Season 1",
                        "episodes": [
                            {"number": 1, "name": "Ebb", "runtime_minutes": 1},
                            {"number": 2, "name": "Flow", "runtime_minutes": 1},
                        ],
                    }
                ],
            },
            episodes=[episode, episode],
        )
        bilingual = maker.start(
            {
                "title": BILINGUAL,
                "type": "movie",
                "maturity_rating": "PG",
                "genres": ["comedy"],
                "description": "Two languages, one bay.",
                "audio_languages": ["en", "fr"],
                "subtitle_languages": ["en", "fr"],
            },
            video=media_clip("multilang.mp4"),
        )
        yield Titles(film=film, series=series, bilingual=bilingual)


@dataclass
class Viewer:
    """A new account signed in in its own browser context."""

    email: str
    account: httpx.Client  # the same account over the API
    recorded: RecordedPage

    @property
    def page(self) -> Page:
        return self.recorded.page


@pytest.fixture
def viewer(
    web_platform: RunningPlatform, browser_page: Callable[..., RecordedPage]
) -> Iterator[Callable[..., Viewer]]:
    """`viewer(profiles=[...], pick=True)`: a new account (with those extra profiles), signed in in a
    new browser context, its main profile picked unless `pick=False`."""
    clients: list[httpx.Client] = []

    def make(*, pick: bool = True, **options: Any) -> Viewer:
        email, client = new_viewer(web_platform.base_url, **options)
        clients.append(client)
        made = Viewer(email, client, browser_page())
        sign_in(made.page, email, PASSWORD)
        if pick:
            pick_profile(made.page, main_profile_name(client))
        return made

    yield make
    for client in clients:
        client.close()


# -- helpers ---------------------------------------------------------------------------------------


def go(page: Page, path: str) -> None:
    """In-app navigation (as a link inside the app does): the page, and what it holds in memory
    (the access token, a profile's unlock), stays."""
    page.evaluate(
        "path => { history.pushState(null, '', path); dispatchEvent(new PopStateEvent('popstate')); }", path
    )


def playback_posts(recorded: RecordedPage) -> list[tuple[dict[str, Any], Response | None]]:
    """Every playback-session creation the page asked for: (its body, the answer)."""
    return [
        (json.loads(r.post_data or "{}"), r.response())
        for r in recorded.requests
        if r.method == "POST" and urlpath(r.url) == "/api/v1/playback"
    ]


def problem_code(problem: dict[str, Any]) -> str:
    """RFC 9457: the problem's `type` URI ends in the platform's code."""
    return str(problem.get("type", "")).rsplit("/", 1)[-1]


def urlpath(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url).split("#")[0].split("?")[0]


def pick_profile(page: Page, name: str | None = None) -> None:
    """Picks the profile and waits for its home page to finish loading."""
    tile = page.locator(".profile-tile", has_text=name) if name else page.locator(".profile-tile").first
    tile.click()
    page.wait_for_url(re.compile(r"/$"))
    settle(page)


def settle(page: Page) -> None:
    """Waits for the home page to finish loading. The router does not drop a view that finishes
    after the viewer moved on: a home page still loading when the app navigates elsewhere throws
    (its rows are gone), and the router then renders "Something went wrong" over the new page."""
    page.locator("#main .rows:not([aria-busy])").wait_for()


def play(page: Page, title_id: str, button: str = "▶ Play") -> None:
    """From the title page (reached in the app), Play, until the video runs. The link is looked
    for inside that title's page: the home page's hero has a "▶ Play" too, and a click made
    while the app was still switching views played the featured title instead (seen in CI as
    another title's video, or a movie where an episode was expected)."""
    go(page, f"/title/{title_id}")
    title_page = page.locator(f"article.title-page[data-title-id='{title_id}']")
    title_page.get_by_role("link", name=button, exact=True).click()
    page.wait_for_url("**/watch/**")
    wait_playing(page, 0.3)


def seek_to(page: Page, seconds: float) -> None:
    """Drags the seek bar there (its value, then the `input` and `change` events a drag fires)."""
    page.locator("input.seek").evaluate(
        """(el, t) => {
            el.value = String(t);
            el.dispatchEvent(new Event('input', {bubbles: true}));
            el.dispatchEvent(new Event('change', {bubbles: true}));
        }""",
        seconds,
    )


def main_profile_name(viewer: httpx.Client) -> str:
    return str(next(p["name"] for p in viewer.get("/api/v1/me").json()["profiles"] if p["is_main"]))


# -- tests -----------------------------------------------------------------------------------------


def test_social_login_button_signs_in_and_leaves_no_token_in_the_url(
    oidc_web_platform: OidcWebPlatform,
    browser_page: Callable[..., RecordedPage],
    screenshot: Callable[[Page, str], Path],
) -> None:
    base, issuer = oidc_web_platform.platform.base_url, oidc_web_platform.provider_issuer
    recorded = browser_page()
    page = recorded.page
    visited: list[str] = []
    page.on("framenavigated", lambda frame: visited.append(frame.url) if frame == page.main_frame else None)

    page.goto("/signin")
    button = page.get_by_role("link", name="Continue with Acme")
    expect(button).to_be_visible()
    screenshot(page, "signin-social")
    button.click()
    page.wait_for_url(f"{issuer}/**")
    # The provider's own pages (oidc-provider's development interactions): login, then consent.
    for _ in range(4):
        if page.url.startswith(base):
            break
        if page.locator("input[name=login]").count():
            page.locator("input[name=login]").fill("verified")
            page.locator("input[name=password]").fill("any password")
            screenshot(page, "oidc-provider-login")
        page.locator("button[type=submit]").first.click()
        page.wait_for_load_state()
    page.wait_for_url(f"{base}/profiles")
    expect(page.locator(".profile-tile")).to_have_count(1)
    screenshot(page, "profiles-after-social-login")

    # The users service sent the tokens in the fragment of the web app's /auth/callback ...
    callback = next(
        r for r in recorded.requests if urlpath(r.url) == f"/api/v1/auth/oidc/{OIDC_PROVIDER_NAME}/callback"
    )
    answer = callback.response()
    assert answer is not None and answer.status == 303, answer
    location = answer.headers["location"]
    assert location.startswith(f"{base}/auth/callback#") and "access_token=" in location, location
    # ... which took them out of the address bar at once: the history entry has no fragment either.
    assert page.evaluate("() => location.href") == f"{base}/profiles"
    assert not any("#" in url for url in visited if url.startswith(base) and urlpath(url) != "/auth/callback")
    # ... and never travelled in a request: no URL, no Referer carries them.
    for request in recorded.requests:
        assert "access_token" not in request.url and "refresh_token" not in request.url, request.url
        assert "token=" not in (request.headers.get("referer") or ""), request.headers
    go(page, "/account")
    expect(page.locator(".account")).to_contain_text("oidc-verified@example.com")
    # The platform's pages asked only the platform (and navigated to the provider). The provider's
    # own login pages load what they like (oidc-provider's development pages: Google Fonts); those
    # requests carry the provider's Referer.
    ours = [r for r in recorded.requests if not (r.headers.get("referer") or "").startswith(issuer)]
    assert_origins(RecordedPage(page, recorded.context, ours), base, issuer)
    assert [r.url for r in ours if r.url.startswith(issuer)] == [
        r.url for r in ours if r.url.startswith(issuer) and r.is_navigation_request()
    ]


def test_pin_locked_profile_asks_for_the_pin_and_unlocks_titles_above_its_limit(
    web_platform: RunningPlatform,
    screenshot: Callable[[Page, str], Path],
    titles: Titles,
    viewer: Callable[..., Viewer],
) -> None:
    film = titles.film()
    me = viewer(profiles=[{"name": "Teen"}], pick=False)
    recorded, page, account = me.recorded, me.page, me.account

    # Parental controls, set on the account page: PG-13 at most without the PIN, Teen locked.
    page.goto("/account/parental")
    page.get_by_label("Parental controls on").check()
    page.get_by_label("Maximum rating without the PIN").select_option("PG-13")
    page.get_by_label("PIN (4 digits)").fill(PIN)
    page.get_by_label("PIN to open “Teen”").check()
    screenshot(page, "account-parental")
    page.get_by_role("button", name="Save parental controls").click()
    expect(page.locator("#toast")).to_have_text("Parental controls saved")
    teen_id = account.get("/api/v1/me").json()["preferences"]["parental_controls"]["restricted_profiles"][0]

    page.goto("/profiles")
    teen = page.locator(".profile-tile[data-locked=true]")
    expect(teen).to_have_count(1)
    expect(teen).to_contain_text("Teen")
    teen.click()
    pin = page.get_by_label("Enter the PIN for Teen")
    expect(pin).to_be_focused()
    pin.fill("1357")
    page.get_by_role("button", name="Unlock").click()
    expect(page.locator(".pin-form [role=alert]")).to_have_text("The PIN is wrong.")
    assert page.url.endswith("/profiles")
    screenshot(page, "profiles-pin-wrong")
    pin.fill(PIN)
    page.get_by_role("button", name="Unlock").click()
    page.wait_for_url(re.compile(r"/$"))
    settle(page)

    # The R film is above Teen's limit: the catalog hides it from the profile; once unlocked, its
    # link opens (the account's view) and playback asks delivery with the unlock token.
    go(page, f"/title/{film['id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text(FILM)
    expect(page.locator(".unlocked")).to_contain_text("Above Teen's limit")
    screenshot(page, "title-unlocked")

    # Delivery, asked without the unlock (or with a forged one) for this profile, refuses.
    # The home page registered this browser (the device id lives in the page's memory; the
    # browser keeps only its installation id): registering that installation again finds it.
    for _ in range(30):
        listed = account.get("/api/v1/me/devices").json()["items"]
        if listed:
            break
        page.wait_for_timeout(500)
    assert len(listed) == 1, f"the home page registers this browser as a device: {listed}"
    installation = page.evaluate("() => localStorage.getItem('cinemesh.installation')")
    again = account.post(
        "/api/v1/me/devices",
        json={"device_type": "desktop", "device_name": "Chrome on Linux", "installation_id": installation},
    )
    assert again.status_code == 200, again.text  # this installation's device, registered before
    device_id = again.json()["device_id"]
    assert device_id == listed[0]["device_id"], (again.json(), listed)
    for extra, code in (
        ({}, "profile-unlock-required"),
        ({"unlock_token": "forged"}, "invalid-unlock-token"),
    ):
        body = {"content_id": film["id"], "profile_id": teen_id, "device_id": device_id, **extra}
        refused = account.post("/api/v1/playback", json=body)
        for _ in range(30):  # delivery hears of the new device through the users service's events
            if problem_code(refused.json()) != "device-not-registered":
                break
            page.wait_for_timeout(500)
            refused = account.post("/api/v1/playback", json=body)
        assert refused.status_code == 403 and problem_code(refused.json()) == code, refused.text

    page.get_by_role("link", name=re.compile("Play")).click()
    page.wait_for_url(f"**/watch/{film['id']}")
    wait_playing(page, 1)
    posts = playback_posts(recorded)
    body, answer = posts[-1]
    assert body["profile_id"] == teen_id and body["unlock_token"], body
    assert answer is not None and answer.status == 201
    screenshot(page, "player-unlocked")
    with page.expect_response(
        lambda r: r.request.method == "DELETE" and "/api/v1/playback/" in r.url
    ) as ended:
        page.get_by_role("link", name="Back to title").click()
    assert ended.value.status == 204

    # The unlock lives in the page's memory only: after a reload the picker asks for the PIN again.
    page.reload()
    page.wait_for_url("**/profiles")
    assert_same_origin(recorded, web_platform.base_url)


def test_quality_menu_switches_rendition_and_playback_resumes(
    web_platform: RunningPlatform,
    screenshot: Callable[[Page, str], Path],
    titles: Titles,
    viewer: Callable[..., Viewer],
) -> None:
    film = titles.film()
    me = viewer()
    recorded = me.recorded
    page = recorded.page
    play(page, film["id"])
    profile_id = playback_posts(recorded)[-1][0]["profile_id"]

    # One audio track and no subtitles in this source: those menus stay hidden.
    # Once (of about ten runs) this film played with the bilingual title's two audio tracks (the
    # hero's Play clicked mid-navigation, fixed in `play`): say what was played if it ever recurs.
    if not page.locator(".menu:has([data-menu=audio])").is_hidden():
        body, answer = playback_posts(recorded)[-1]
        tracks = page.evaluate("() => window.__cinemesh.player.getAudioTracks().map((t) => t.language)")
        session = answer and answer.json()
        pytest.fail(f"audio menu shown: tracks {tracks}, film {film}, session {body} -> {session}")
    assert page.locator(".menu:has([data-menu=subtitles])").is_hidden()
    page.locator(".player").hover()
    heights = sorted(
        {
            t
            for t in page.evaluate("() => window.__cinemesh.player.getVariantTracks().map((t) => t.height)")
            if t
        }
    )
    assert heights == [240, 360], heights
    for height in heights:
        page.get_by_role("button", name="Quality").click()
        expect(page.get_by_role("menuitemradio")).to_have_count(3)  # Auto, 360p, 240p
        if height == heights[0]:
            screenshot(page, "player-quality-menu")
        page.get_by_role("menuitemradio", name=f"{height}p").click()
        page.wait_for_function(
            "h => window.__cinemesh.player.getVariantTracks().find((t) => t.active)?.height === h", arg=height
        )
        assert page.evaluate("() => window.__cinemesh.player.getConfiguration().abr.enabled") is False
        page.get_by_role("button", name="Quality").click()
        expect(page.get_by_role("menuitemradio", name=f"{height}p")).to_have_attribute("aria-checked", "true")
        page.keyboard.press("Escape")
    page.get_by_role("button", name="Quality").click()
    page.get_by_role("menuitemradio", name=re.compile("^Auto")).click()
    assert page.evaluate("() => window.__cinemesh.player.getConfiguration().abr.enabled") is True

    # Ten seconds on (L), then leave: the title page offers to resume, and so it does after a reload.
    page.locator(".player").focus()
    page.keyboard.press("l")
    page.wait_for_function("() => document.querySelector('video').currentTime > 9")
    with page.expect_response(lambda r: r.request.method == "DELETE" and "/api/v1/playback/" in r.url):
        page.get_by_role("link", name="Back to title").click()
    saved = page.evaluate(
        "id => Number(Object.entries(localStorage).find(([k]) => k.endsWith('.' + id))?.[1])", film["id"]
    )
    assert 9 <= saved <= 17, saved
    # The resume point is the history service's, from delivery's reports (the last one sent on
    # leaving, where playback stopped), with sub-second precision; this browser keeps whole seconds.
    progress = f"/api/v1/history/progress/{film['id']}"
    server = None
    for _ in range(40):  # the report reaches history through delivery's outbox and an event
        entry = me.account.get(progress, params={"profile_id": profile_id})
        if entry.is_success and saved <= (server := entry.json()["position_seconds"] or 0) < saved + 1:
            break
        page.wait_for_timeout(500)
    assert server is not None and saved <= server < saved + 1, (server, saved)
    page.reload()
    resume = page.get_by_role("link", name=re.compile(r"^▶ Resume from 0:\d\d$"))
    expect(resume).to_be_visible()
    expect(page.get_by_role("link", name="Start over")).to_be_visible()
    screenshot(page, "title-resume")
    page.set_viewport_size(PHONE)
    expect(resume).to_be_in_viewport()
    screenshot(page, "title-resume-phone")
    page.set_viewport_size(DESKTOP)
    resume.click()
    page.wait_for_url(f"**/watch/{film['id']}")
    wait_playing(page, saved - 0.5)
    assert page.evaluate("() => window.__cinemesh.resumedAt") == server
    # It started there, not at 0 and played through: the first frame came at the saved position.
    assert page.evaluate("() => document.querySelector('video').currentTime") < saved + 6
    page.locator(".player").hover()
    expect(page.get_by_role("button", name="Start over")).to_be_visible()
    screenshot(page, "player-resumed")
    assert_same_origin(recorded, web_platform.base_url)


def test_trailer_plays_inline_on_the_title_page(
    web_platform: RunningPlatform,
    screenshot: Callable[[Page, str], Path],
    titles: Titles,
    viewer: Callable[..., Viewer],
) -> None:
    film = titles.film()
    assert film["trailers"] == [film["trailer_video_id"]], film  # listed by the catalog
    recorded = viewer().recorded
    page = recorded.page
    go(page, f"/title/{film['id']}")
    trailer = page.get_by_role("button", name="▶ Trailer")
    trailer.click()
    expect(trailer).to_have_attribute("aria-expanded", "true")
    try:
        page.wait_for_selector(".trailer[data-state=playing], .trailer[data-state=error]", timeout=30_000)
    except Exception:
        pytest.fail(f"the trailer neither played nor failed: {player_state(page)}")
    body, answer = playback_posts(recorded)[-1]
    assert body["content_id"] == film["trailers"][0], body  # the trailer's own session
    assert answer is not None and answer.status == 201, player_state(page)
    wait_playing(page, 1, selector=".trailer-video")
    screenshot(page, "title-trailer")
    page.get_by_role("button", name="Mute trailer").click()
    assert page.evaluate("() => document.querySelector('.trailer-video').muted") is True
    with page.expect_response(
        lambda r: r.request.method == "DELETE" and "/api/v1/playback/" in r.url
    ) as ended:
        page.get_by_role("button", name="Close trailer").click()
    assert ended.value.status == 204
    expect(page.locator(".trailer")).to_have_count(0)
    expect(trailer).to_be_focused()
    # From the keyboard: Enter opens it again (focus moves to its controls), Escape closes it.
    page.keyboard.press("Enter")
    expect(page.locator(".trailer[data-state=playing]")).to_have_count(1, timeout=30_000)
    expect(page.get_by_role("button", name="Mute trailer")).to_be_focused()
    with page.expect_response(lambda r: r.request.method == "DELETE" and "/api/v1/playback/" in r.url):
        page.keyboard.press("Escape")
    expect(page.locator(".trailer")).to_have_count(0)
    assert_same_origin(recorded, web_platform.base_url)


def test_trailer_autoplays_muted_when_previews_are_on(
    web_platform: RunningPlatform,
    screenshot: Callable[[Page, str], Path],
    titles: Titles,
    viewer: Callable[..., Viewer],
) -> None:
    film = titles.film()
    me = viewer()
    page = me.page
    # Off by default: the title page waits for a click.
    go(page, f"/title/{film['id']}")
    page.wait_for_timeout(2_500)  # longer than the preview delay
    expect(page.locator(".trailer")).to_have_count(0)

    saved = me.account.patch("/api/v1/me/preferences", json={"autoplay_previews": True})
    assert saved.status_code == 200 and saved.json()["autoplay_previews"] is True, saved.text
    page.reload()  # the app reads the account's preferences at start
    go(page, f"/title/{film['id']}")
    wait_playing(page, 1, selector=".trailer-video")
    assert page.evaluate("() => document.querySelector('.trailer-video').muted") is True
    expect(page.get_by_role("button", name="Unmute trailer")).to_be_visible()
    expect(page.get_by_role("button", name="Unmute trailer")).not_to_be_focused()  # focus not taken
    expect(page.get_by_role("button", name="▶ Trailer")).to_have_attribute("aria-expanded", "true")
    screenshot(page, "title-preview-autoplay")
    with page.expect_response(
        lambda r: r.request.method == "DELETE" and "/api/v1/playback/" in r.url
    ) as ended:
        page.get_by_role("button", name="Close trailer").click()
    assert ended.value.status == 204
    assert_same_origin(me.recorded, web_platform.base_url)


def test_next_episode_by_autoplay_preference(
    web_platform: RunningPlatform,
    screenshot: Callable[[Page, str], Path],
    titles: Titles,
    viewer: Callable[..., Viewer],
) -> None:
    series = titles.series()
    first, second = (episode for season in series["seasons"] for episode in season["episodes"])
    me = viewer(profiles=[{"name": "Calm"}])
    recorded, page = me.recorded, me.page

    def near_the_end_of_the_first() -> None:
        play(page, series["id"])
        assert page.url.endswith(f"/watch/{first['id']}?title={series['id']}")
        seek_to(page, page.evaluate("() => document.querySelector('video').duration - 0.6"))
        expect(page.locator(".up-next")).to_be_visible(timeout=15_000)

    # The main profile follows the account's autoplay preference (on by default): E2 starts by itself.
    near_the_end_of_the_first()
    expect(page.locator(".up-next [role=status]")).to_contain_text("Up next in")
    screenshot(page, "player-up-next")
    page.wait_for_url(f"**/watch/{second['id']}?title={series['id']}", timeout=15_000)
    expect(page.locator(".player-title")).to_contain_text("S1:E2 Flow")
    wait_playing(page, 1)
    with page.expect_response(lambda r: r.request.method == "DELETE" and "/api/v1/playback/" in r.url):
        page.get_by_role("link", name="Back to title").click()
    # The title page now offers the episode this profile watched last.
    expect(page.get_by_role("link", name="▶ Play E2")).to_be_visible()

    # A profile with autoplay off (switched off on the account page): E2 is offered, not started.
    page.goto("/account/profiles")
    toggle = page.get_by_role("checkbox", name="Autoplay next episode for Calm")
    expect(toggle).to_be_checked()  # the account's preference until the profile has its own
    toggle.uncheck()
    expect(page.locator("#toast")).to_have_text("Autoplay off for Calm")
    screenshot(page, "account-profiles-autoplay")
    calm = next(p for p in me.account.get("/api/v1/me").json()["profiles"] if p["name"] == "Calm")
    assert calm["preferences"]["autoplay"] is False, calm
    page.goto("/profiles")
    pick_profile(page, "Calm")
    near_the_end_of_the_first()
    expect(page.locator(".up-next [role=status]")).to_have_text("Up next")
    page.wait_for_timeout(6_500)  # longer than the countdown would have been
    assert f"/watch/{first['id']}" in page.url
    screenshot(page, "player-up-next-offered")
    page.get_by_role("link", name="Next: E2 Flow").click()
    page.wait_for_url(f"**/watch/{second['id']}?title={series['id']}")
    wait_playing(page, 1)
    assert_same_origin(recorded, web_platform.base_url)


def test_audio_and_subtitle_menus_switch_language_and_show_a_cue(
    web_platform: RunningPlatform,
    screenshot: Callable[[Page, str], Path],
    titles: Titles,
    viewer: Callable[..., Viewer],
) -> None:
    film = titles.bilingual()
    recorded = viewer().recorded
    page = recorded.page
    play(page, film["id"])
    page.locator(".player").hover()

    # Audio: both source languages; English first (the account's audio_language, "en" by default).
    audio_language = "() => window.__cinemesh.player.getAudioTracks().find((t) => t.active)?.language"
    assert page.evaluate(audio_language) == "en"
    page.get_by_role("button", name="Audio").click()
    expect(page.get_by_role("menuitemradio")).to_have_count(2)
    expect(page.get_by_role("menuitemradio", name="English")).to_have_attribute("aria-checked", "true")
    screenshot(page, "player-audio-menu")
    page.get_by_role("menuitemradio", name="French").click()
    page.wait_for_function(f"() => ({audio_language})() === 'fr'")
    page.get_by_role("button", name="Audio").click()
    expect(page.get_by_role("menuitemradio", name="French")).to_have_attribute("aria-checked", "true")
    page.keyboard.press("Escape")

    # Subtitles: Off (checked), English, French; English shows its cues on the video.
    page.get_by_role("button", name="Subtitles").click()
    expect(page.get_by_role("menuitemradio")).to_have_count(3)
    expect(page.get_by_role("menuitemradio", name="Off")).to_have_attribute("aria-checked", "true")
    page.get_by_role("menuitemradio", name="English").click()
    seek_to(page, 0.1)
    page.evaluate("() => document.querySelector('video').play()")
    showing = """() => [...document.querySelector('video').textTracks]
        .filter((t) => t.mode === 'showing')
        .flatMap((t) => [...(t.activeCues ?? [])].map((c) => c.text))"""
    page.wait_for_function(f"() => ({showing})().length > 0", timeout=10_000)
    assert set(page.evaluate(showing)) <= set(SUBTITLE_CUES["eng"]), page.evaluate(showing)
    screenshot(page, "player-subtitles")
    page.locator(".player").hover()
    page.get_by_role("button", name="Subtitles").click()
    page.get_by_role("menuitemradio", name="Off").click()
    page.wait_for_function(f"() => ({showing})().length === 0")
    assert_same_origin(recorded, web_platform.base_url)
