"""A living first start: `cinemesh up` on an empty data dir seeds the demo catalog through the real
pipeline (tus upload, transcode, publish) without delaying readiness; a restart seeds nothing twice.
The home page a new viewer sees is saved as a screenshot (build/screenshots/web/demo-*.png).
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.fixtures._net import free_port
from tests.fixtures.browser import DESKTOP, ensure_web_built
from tests.fixtures.platform import ADMIN_EMAIL, ADMIN_PASSWORD, RunningPlatform, _await_ready, _start

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.xdist_group("web-demo")]

CINEMESH = str(Path(sys.executable).with_name("cinemesh"))
DEMO_TITLES = 5  # four films and one series (src/cinemesh/web/demo.py)


def start(tmp: Path, data: Path, stack: ExitStack, name: str) -> RunningPlatform:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CINEMESH_")}
    port = free_port()
    env.update(
        CINEMESH_DATA_DIR=str(data),
        CINEMESH_ADMIN_EMAIL=ADMIN_EMAIL,
        CINEMESH_ADMIN_PASSWORD=ADMIN_PASSWORD,
        CINEMESH_LOG_LEVEL="INFO",
        CINEMESH_HOST="127.0.0.1",
        CINEMESH_PORT=str(port),
        CINEMESH_WEB_DEMO_CLIP_SECONDS="4",
    )
    platform = RunningPlatform("embedded", f"http://127.0.0.1:{port}", env)
    log = tmp / f"{name}.log"
    platform.logs.append(log)
    process = _start([CINEMESH, "up"], env, log, stack)
    started = time.monotonic()
    _await_ready(platform.base_url, process, platform, timeout=90)
    platform.env["READY_SECONDS"] = f"{time.monotonic() - started:.1f}"
    return platform


def viewer_token(client: httpx.Client) -> str:
    suffix = uuid.uuid4().hex[:8]
    account = {"email": f"demo-{suffix}@example.com", "username": f"demo_{suffix}", "password": "p" * 12}
    assert client.post("/api/v1/auth/register", json={**account, "country": "BR"}).status_code == 201
    login = client.post(
        "/api/v1/auth/login", json={"email": account["email"], "password": account["password"]}
    )
    return str(login.json()["access_token"])


def visible_titles(client: httpx.Client, token: str) -> list[dict[str, Any]]:
    page = client.get("/api/v1/titles", params={"limit": 100}, headers={"Authorization": f"Bearer {token}"})
    assert page.status_code == 200, page.text
    items: list[dict[str, Any]] = page.json()["items"]
    return items


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    ensure_web_built()
    tmp = tmp_path_factory.mktemp("web-demo")
    yield tmp, tmp / "data"


def test_first_start_seeds_a_playable_demo_catalog_once(
    demo_data: tuple[Path, Path], chromium: Browser, screenshot: Callable[[Page, str], Path]
) -> None:
    tmp, data = demo_data
    with ExitStack() as stack:
        platform = start(tmp, data, stack, "first-start")
        # Readiness does not wait for the demo: it is seeded in the background.
        assert float(platform.env["READY_SECONDS"]) < 60
        with httpx.Client(base_url=platform.base_url, timeout=30) as client:
            token = viewer_token(client)  # a viewer in Brazil: the demo is open in every country
            deadline = time.monotonic() + 300
            while len(visible_titles(client, token)) < DEMO_TITLES and time.monotonic() < deadline:
                time.sleep(2)
            titles = visible_titles(client, token)
            assert len(titles) == DEMO_TITLES, (titles, platform.log_tail())
            assert {t["maturity_rating"] for t in titles} >= {"G", "R", "TV-14"}
            assert any(t["type"] == "tv_series" for t in titles)
        state = json.loads((data / "web" / "demo.json").read_text())
        assert state.get("done"), state

        context = chromium.new_context(base_url=platform.base_url, viewport=DESKTOP)
        try:
            page = context.new_page()
            page.goto("/signup")
            suffix = uuid.uuid4().hex[:8]
            page.get_by_label("Email", exact=True).fill(f"first-{suffix}@example.com")
            page.get_by_label("Username", exact=True).fill(f"first_{suffix}")
            page.get_by_label("Password", exact=True).fill("a new viewer's password")
            page.get_by_label("Country", exact=True).select_option("DE")
            page.get_by_role("button", name="Create account").click()
            page.wait_for_url("**/profiles")
            page.locator(".profile-tile").first.click()
            expect(page.locator("section[aria-labelledby=row-new] a.card")).to_have_count(DEMO_TITLES)
            # Not "networkidle": the home page keeps the profile's history stream open (the
            # Continue watching row follows it), so the network is never idle. The page is done
            # when its rows are and the images on screen have loaded (the rest load lazily).
            page.locator("#main .rows:not([aria-busy])").wait_for()
            page.wait_for_function(
                """() => [...document.querySelectorAll('#main img')]
                    .filter((i) => i.getBoundingClientRect().bottom > 0)
                    .filter((i) => i.getBoundingClientRect().top < innerHeight)
                    .every((i) => i.complete)"""
            )
            screenshot(page, "demo-home-desktop")
            page.locator("a.card", has_text="Life in the Grid").first.click()
            expect(page.locator("a.episode")).to_have_count(2)
            screenshot(page, "demo-series")
        finally:
            context.close()

    # A restart of the same data dir: nothing is seeded twice.
    with ExitStack() as stack:
        platform = start(tmp, data, stack, "restart")
        time.sleep(3)
        with httpx.Client(base_url=platform.base_url, timeout=30) as client:
            assert len(visible_titles(client, viewer_token(client))) == DEMO_TITLES
        log = platform.logs[-1].read_text()
        assert "demo_seeding" not in log, log[-2000:]
