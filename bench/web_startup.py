"""The web app in Debian's Chromium: home page weight, click-to-first-frame, ABR under throttling.

- page weight: everything the home page transfers on a cold load (shell, JS, CSS, API JSON,
  images), split into app code and data, against the player chunk it does not load;
- startup: from the click on Play to the first rendered video frame (requestVideoFrameCallback),
  of which the playback-session call is measured apart; median of RUNS, cold player each time;
- throttling: the network drops to 400 kbit/s for 12 s during playback then recovers (Chromium's
  DevTools network emulation); rendition switches counted from Shaka's switch history.

Run: `.venv/bin/python -m bench.web_startup` (needs `make web` and /usr/bin/chromium).
"""

from __future__ import annotations

import base64
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from tests.fixtures._net import free_port
from tests.fixtures.browser import CHROMIUM, CHROMIUM_ARGS

from bench._report import write_section

RUNS = 3
CINEMESH = str(Path(sys.executable).with_name("cinemesh"))
ADMIN = ("bench-admin@cinemesh.test", "bench-admin-password")


def _ffmpeg() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def _clip(out: Path) -> Path:
    subprocess.run(
        [
            *(_ffmpeg(), "-y", "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=640x480:r=25:d=30"),
            *("-f", "lavfi", "-i", "sine=frequency=440:d=30", "-c:v", "libx264", "-preset", "veryfast"),
            *("-c:a", "aac", "-shortest", str(out)),
        ],
        check=True,
    )
    return out


def _publish_title(base: str, clip: Path) -> str:
    with httpx.Client(base_url=base, timeout=60) as client:
        token = client.post("/api/v1/auth/login", json={"email": ADMIN[0], "password": ADMIN[1]}).json()
        client.headers["Authorization"] = f"Bearer {token['access_token']}"
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
        title = client.post(
            "/api/v1/titles",
            json={
                "title": "Bench Pattern",
                "type": "movie",
                "maturity_rating": "G",
                "genres": ["documentary"],
                "availability": [{"country": "US", "starts_at": now}],
            },
        ).json()
        data = clip.read_bytes()
        meta = f"title_id {base64.b64encode(title['id'].encode()).decode()}"
        created = client.post(
            "/api/v1/uploads",
            headers={"Tus-Resumable": "1.0.0", "Upload-Length": str(len(data)), "Upload-Metadata": meta},
        )
        location = created.headers["location"]
        client.patch(
            location,
            content=data,
            headers={
                "Tus-Resumable": "1.0.0",
                "Upload-Offset": "0",
                "Content-Type": "application/offset+octet-stream",
            },
        )
        while client.get(f"/api/v1/titles/{title['id']}").json()["status"] != "ready":
            time.sleep(1)
        client.post(f"/api/v1/titles/{title['id']}/publish").raise_for_status()
        return str(title["id"])


def _viewer(page: Any, base: str) -> None:
    suffix = uuid.uuid4().hex[:8]
    page.goto(f"{base}/signup")
    page.get_by_label("Email", exact=True).fill(f"bench-{suffix}@example.com")
    page.get_by_label("Username", exact=True).fill(f"bench_{suffix}")
    page.get_by_label("Password", exact=True).fill("bench viewer password")
    page.get_by_label("Country", exact=True).select_option("US")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/profiles")
    page.locator(".profile-tile").first.click()
    page.wait_for_url(f"{base}/")


WEIGHT_JS = """() => {
  const entries = [
    performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource'),
  ];
  const sum = (filter) => entries.filter(filter).reduce((total, e) => total + e.transferSize, 0);
  return {
    total: sum(() => true),
    code: sum((e) => e.entryType === 'navigation' || e.name.includes('/assets/')),
    api: sum((e) => e.name.includes('/api/v1/') && !e.name.includes('/images/')),
    images: sum((e) => e.name.includes('/images/')),
    requests: entries.length,
  };
}"""


def _page_weight(browser: Any, base: str) -> dict[str, int]:
    context = browser.new_context(viewport={"width": 1366, "height": 800})
    page = context.new_page()
    _viewer(page, base)
    page.reload(wait_until="networkidle")  # warm: hashed assets come from the browser cache
    warm: dict[str, int] = page.evaluate(WEIGHT_JS)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    page.reload(wait_until="networkidle")  # cold: a first visit, nothing cached
    weight: dict[str, int] = page.evaluate(WEIGHT_JS)
    weight["warm_total"] = warm["total"]
    context.close()
    return weight


def _startup(browser: Any, base: str, title_id: str) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 1366, "height": 800})
    page = context.new_page()
    _viewer(page, base)
    page.goto(f"{base}/title/{title_id}")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/playback")) as session:
        page.get_by_role("link", name="▶ Play").click()
    try:
        page.wait_for_function(
            "() => window.__cinemesh && window.__cinemesh.startupMs !== null", timeout=60_000
        )
    except Exception as exc:
        state = page.evaluate(
            "() => ({errors: window.__cinemesh?.errors,"
            " panel: document.querySelector('.player-panel')?.innerText})"
        )
        raise RuntimeError(f"no first frame: {state}") from exc
    startup = float(page.evaluate("() => window.__cinemesh.startupMs"))
    timing = session.value.request.timing
    page.get_by_role("link", name="Back to title").click()  # ends the session (basic plan: 1 stream)
    page.wait_for_timeout(500)
    context.close()
    return {"startup_ms": startup, "session_ms": timing["responseEnd"] - timing["requestStart"]}


def _throttled(browser: Any, base: str, title_id: str) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 800})
    page = context.new_page()
    _viewer(page, base)
    cdp = context.new_cdp_session(page)
    page.goto(f"{base}/watch/{title_id}")
    page.wait_for_function("() => document.querySelector('video')?.currentTime > 2", timeout=60_000)

    def network(kbps: float) -> None:
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": 40,
                "downloadThroughput": kbps * 125,
                "uploadThroughput": kbps * 125,
            },
        )

    network(400)
    page.wait_for_timeout(12_000)
    network(20_000)
    page.wait_for_timeout(12_000)
    result: dict[str, Any] = page.evaluate(
        """() => {
          const p = window.__cinemesh.player, s = p.getStats();
          return {
            switches: s.switchHistory.filter((h) => h.type === 'variant').length - 1,
            abr_events: window.__cinemesh.switches,
            heights: s.switchHistory.filter((h) => h.type === 'variant').map((h) => h.bandwidth),
            stalls: s.stallsDetected, buffering_s: s.bufferingTime,
          };
        }"""
    )
    context.close()
    return result


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {key: value for key, value in os.environ.items() if not key.startswith("CINEMESH_")}
        env.update(
            CINEMESH_DATA_DIR=f"{tmp}/data",
            CINEMESH_PORT=str(port),
            CINEMESH_ADMIN_EMAIL=ADMIN[0],
            CINEMESH_ADMIN_PASSWORD=ADMIN[1],
            CINEMESH_LOG_LEVEL="WARNING",
            CINEMESH_DEMO="false",
        )
        process = subprocess.Popen(
            [CINEMESH, "up"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            for _ in range(600):
                try:
                    if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
            title_id = _publish_title(base, _clip(Path(tmp) / "bench.mp4"))
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                weight = _page_weight(browser, base)
                runs = [_startup(browser, base, title_id) for _ in range(RUNS)]
                throttled = _throttled(browser, base, title_id)
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=30)

    dist = Path(__file__).resolve().parent.parent / "src" / "cinemesh" / "web" / "static" / "dist" / "assets"
    player_kib = sum(p.stat().st_size for p in dist.glob("player-*.js")) / 1024
    player_br_kib = sum(p.stat().st_size for p in dist.glob("player-*.js.br")) / 1024
    startup = statistics.median(r["startup_ms"] for r in runs)
    session = statistics.median(r["session_ms"] for r in runs)
    load = os.getloadavg()[0]
    markdown = f"""
Debian Chromium (headless) against `cinemesh up`, a 30 s 640x480 clip (ladder 240/360/480p, DASH
with W3C ClearKey), load average {load:.1f}. Transfer sizes are what crossed the wire (JS and CSS
brotli-precompressed, API JSON uncompressed).

| Figure | Value |
|---|---|
| Home page weight, cold load (transferred) | {weight["total"] / 1024:.1f} KiB, {weight["requests"]} req. |
| of which app code (shell, JS, CSS) | {weight["code"] / 1024:.1f} KiB |
| of which API JSON | {weight["api"] / 1024:.1f} KiB |
| Home page reload, assets cached (immutable) | {weight["warm_total"] / 1024:.1f} KiB |
| Player chunk (Shaka), loaded only on play | {player_kib:.0f} KiB, {player_br_kib:.0f} KiB brotli |
| Click on Play to first frame, median of {RUNS} | {startup:.0f} ms |
| of which the playback-session call | {session:.0f} ms ({session / startup:.0%}) |
| Rendition switches, 12 s at 400 kbit/s then 12 s unthrottled | {throttled["switches"]} |
| Stalls during that run | {throttled["stalls"]} |
"""
    print(markdown)
    write_section("web_startup", markdown)


if __name__ == "__main__":
    main()
