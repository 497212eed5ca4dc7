"""Billing in the web app (Chromium against `cinemesh up`, sandbox provider): a new viewer picks
Standard at sign-up, pays with a sandbox test card listed on the checkout page, plays a 1080p
title at 1080p (Standard's height; Basic stops at 720p), and after the trial's renewal downloads
the invoice PDF from the billing page: it names the plan, the amount and the tax."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.e2e.web._helpers import PASSWORD, TitleMaker, admin_client, clip, wait_playing
from tests.e2e.web.test_viewer_flows import go
from tests.fixtures.browser import RecordedPage
from tests.fixtures.platform import RunningPlatform

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.xdist_group("web"), pytest.mark.timeout(420)]


def sign_up_for_standard_and_pay(page: Page, suffix: str) -> None:
    page.goto("/signup")
    page.get_by_label("Email", exact=True).fill(f"payer-{suffix}@example.com")
    page.get_by_label("Username", exact=True).fill(f"payer_{suffix}")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Country", exact=True).select_option("DE")
    page.get_by_label("Plan", exact=True).select_option("standard")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/checkout?plan=standard")
    # sandbox mode: the test cards are listed; pay with the one that succeeds
    test_cards = page.get_by_role("complementary", name="Test cards")
    expect(test_cards).to_contain_text("4242 4242 4242 4242")
    expect(test_cards).to_contain_text("4000 0000 0000 0002")
    expect(page.get_by_role("heading", name="Subscribe to Standard")).to_be_visible()
    page.get_by_label("Card number", exact=True).fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Subscribe").click()
    page.wait_for_url("**/profiles")
    # The viewer goes on once the page is there (a navigation before it once raced its render).
    expect(page.get_by_role("heading", name="Who's watching?")).to_be_visible()


def play_at_1080p(page: Page, title_id: str) -> None:
    page.locator(".profile-tile").first.click()
    page.wait_for_url(re.compile(r".*/$"))
    go(page, f"/title/{title_id}")
    title_page = page.locator(f"article.title-page[data-title-id='{title_id}']")
    title_page.get_by_role("link", name="▶ Play", exact=True).click()
    page.wait_for_url("**/watch/**")
    wait_playing(page, 0.3)
    heights = page.evaluate("() => window.__cinemesh.player.getVariantTracks().map((t) => t.height)")
    assert max(heights) == 1080, heights  # Basic would stop at 720
    active = "() => window.__cinemesh.player.getVariantTracks().find((t) => t.active)?.height === 1080"
    try:  # Auto climbs to 1080p at once on loopback; else the viewer picks it in the Quality menu
        page.wait_for_function(active, timeout=15_000)
    except PlaywrightTimeoutError:
        page.locator(".player").hover()
        page.get_by_role("button", name="Quality").click()
        choice = page.get_by_role("menuitemradio", name="1080p", exact=True)
        expect(choice).to_be_visible()
        choice.click()
        page.wait_for_function(active)
    wait_playing(page, 1.0)


def end_the_trial(admin: httpx.Client, username: str) -> None:
    """The operator's billing clock at the trial's end: the renewal charges the card, invoiced."""
    user_id = admin.get("/api/v1/admin/users", params={"q": username}).json()["items"][0]["user_id"]
    subscription = admin.get(f"/api/v1/admin/billing/accounts/{user_id}/subscription")
    assert subscription.status_code == 200, subscription.text
    at = subscription.json()["subscription"]["trial_end"]
    renewed = admin.post("/api/v1/admin/billing/run-renewals", params={"now": at})
    assert renewed.status_code == 200 and renewed.json()["outcomes"].get("renewed", 0) >= 1, renewed.text


def test_new_viewer_picks_standard_pays_plays_1080p_and_downloads_the_invoice(
    web_platform: RunningPlatform,
    browser_page: Callable[..., RecordedPage],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    clips = tmp_path_factory.mktemp("billing-clips")
    with admin_client(web_platform.base_url, web_platform.admin_email, web_platform.admin_password) as admin:
        film = TitleMaker(admin).start(
            {"title": f"High Tide {uuid.uuid4().hex[:6]}", "type": "movie", "maturity_rating": "PG"},
            video=clip(clips / "hd.mp4", size="1440x1080", seconds=4),  # 4:3: DASH ClearKey is packaged
        )
        recorded = browser_page()
        page = recorded.page
        suffix = uuid.uuid4().hex[:8]
        sign_up_for_standard_and_pay(page, suffix)

        go(page, "/account/billing")  # plan, trial, payment method
        expect(page.locator("dd[data-fact=Plan]")).to_have_text("Standard")
        expect(page.locator("dd[data-fact='Payment method']")).to_contain_text("4242")
        expect(page.locator("dd[data-fact=Status]")).to_contain_text("Free trial")
        expect(page.get_by_text("No invoices yet.")).to_be_visible()

        title_id = film()["id"]
        go(page, "/profiles")
        play_at_1080p(page, title_id)
        end_the_trial(admin, f"payer_{suffix}")

    go(page, "/account/billing")
    row = page.locator("table.invoices tbody tr").first
    expect(row).to_contain_text("15.46")  # EUR 12.99 + 19 % German VAT
    with page.expect_download() as download_info:
        row.get_by_role("link", name="PDF").click()
    download = download_info.value
    pdf = Path(download.path()).read_bytes()
    assert pdf.startswith(b"%PDF"), pdf[:20]
    assert b"Standard plan" in pdf
    # uncompressed PDF text: a string's parentheses are escaped in it
    for shown in (b"EUR 12.99", rb"Tax \(19 %\)", b"EUR 2.47", b"EUR 15.46"):
        assert shown in pdf, shown
    assert download.suggested_filename.startswith("CM-") and download.suggested_filename.endswith(".pdf")
