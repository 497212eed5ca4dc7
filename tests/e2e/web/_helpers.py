"""What the browser tests share: titles made over the API in the background, viewers, origin checks,
and the player's facts read from the page.

`TitleMaker` is the general form of test_web_app's `publish_in_background` (several videos,
episodes, trailers), which that module can move to.
"""

from __future__ import annotations

import base64
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Page

from tests.fixtures.browser import RecordedPage
from tests.fixtures.media import _testsrc

__all__ = [
    "PASSWORD",
    "TitleMaker",
    "admin_client",
    "assert_origins",
    "assert_same_origin",
    "clip",
    "new_viewer",
    "player_state",
    "sign_in",
    "wait_playing",
]

COUNTRIES = ("US", "GB", "DE", "FR")


PASSWORD = "correct horse battery staple"


def assert_same_origin(recorded: RecordedPage, base_url: str) -> None:
    origin = urlsplit(base_url)
    foreign = [
        url
        for url in recorded.urls()
        if not url.startswith(("data:", "blob:"))
        and (urlsplit(url).scheme, urlsplit(url).netloc) != (origin.scheme, origin.netloc)
    ]
    assert not foreign, f"requests left the platform's origin: {foreign}"
    assert recorded.urls(), "the page made no requests at all"


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)


def sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/signin")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/profiles")


@contextmanager
def admin_client(base_url: str, email: str, password: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=60) as client:
        login = client.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert login.status_code == 200, login.text
        client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        yield client


def clip(out: Path, *, size: str, seconds: float) -> Path:
    """A testsrc2 clip with a tone; 4:3 sizes keep DASH ClearKey packaged (see test_web_app)."""
    if not out.exists():
        _testsrc(out, size=size, seconds=seconds, rate="24")
    return out


def tus_upload(client: httpx.Client, path: Path, **metadata: str) -> str:
    """The tus protocol by hand (create with `Upload-Metadata`, then one PATCH); the video id."""
    data = path.read_bytes()
    meta = ",".join(f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in metadata.items())
    headers = {"Tus-Resumable": "1.0.0"}
    created = client.post(
        "/api/v1/uploads", headers={**headers, "Upload-Length": str(len(data)), "Upload-Metadata": meta}
    )
    assert created.status_code == 201, created.text
    patched = client.patch(
        created.headers["location"],
        content=data,
        headers={**headers, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
    )
    assert patched.status_code == 204, patched.text
    return str(created.headers["location"]).rsplit("/", 1)[-1]


class TitleMaker:
    """Makes titles over the API in background threads while the browser tests run: create, upload
    each video (tus), wait for the media pipeline, attach, publish. `get()` waits for one."""

    def __init__(self, admin: httpx.Client) -> None:
        self.admin = admin
        self._lock = threading.Lock()  # one httpx.Client, several threads: calls one at a time

    def call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        with self._lock:
            return self.admin.request(method, url, **kwargs)

    def upload(self, path: Path, title_id: str, **metadata: str) -> str:
        with self._lock:
            return tus_upload(self.admin, path, title_id=title_id, filename=path.name, **metadata)

    def wait_ready(self, video_id: str) -> None:
        def ready() -> bool:
            video = self.call("GET", f"/api/v1/videos/{video_id}").json()
            assert video["status"] != "failed", video
            return bool(video["status"] == "ready" and video.get("complete", True))

        wait_for(ready, 240, f"video {video_id}")

    def start(
        self,
        body: dict[str, Any],
        *,
        video: Path | None = None,
        episodes: Sequence[Path] = (),
        trailer: Path | None = None,
    ) -> Callable[[], dict[str, Any]]:
        """Returns a function that waits for the published title and gives its document (and, under
        `trailer_video_id`, the trailer's video id)."""
        result: dict[str, Any] = {}

        def make() -> None:
            try:
                now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))
                windows = [{"country": c, "starts_at": now} for c in COUNTRIES]
                created = self.call("POST", "/api/v1/titles", json={**body, "availability": windows})
                assert created.status_code == 201, created.text
                document = created.json()
                title_id = document["id"]
                episode_ids = [e["id"] for s in document.get("seasons", []) for e in s["episodes"]]
                # A trailer is an upload of kind "trailer": the catalog lists it in `trailers`.
                trailer_id = self.upload(trailer, title_id, kind="trailer") if trailer else None
                video_ids = [
                    self.upload(path, episode_id)
                    for path, episode_id in zip(episodes, episode_ids, strict=True)
                ]
                main_id = self.upload(video, title_id) if video else None
                for video_id in [*video_ids, *[v for v in (main_id, trailer_id) if v]]:
                    self.wait_ready(video_id)
                for episode_id, video_id in zip(episode_ids, video_ids, strict=True):
                    put = self.call(
                        "PUT",
                        f"/api/v1/titles/{title_id}/episodes/{episode_id}/video",
                        json={"video_id": video_id},
                    )
                    assert put.status_code == 200, put.text
                if trailer_id:
                    wait_for(
                        lambda: (
                            self.call("GET", f"/api/v1/titles/{title_id}").json()["trailers"] == [trailer_id]
                        ),
                        60,
                        "the trailer listed",
                    )
                wait_for(
                    lambda: self.call("GET", f"/api/v1/titles/{title_id}").json()["status"] == "ready",
                    60,
                    "title ready",
                )
                published = self.call("POST", f"/api/v1/titles/{title_id}/publish")
                assert published.status_code == 200, published.text
                result["document"] = {**published.json(), "trailer_video_id": trailer_id}
            except BaseException as exc:
                result["error"] = exc

        worker = threading.Thread(target=make, daemon=True)
        worker.start()

        def get() -> dict[str, Any]:
            worker.join(timeout=300)
            if "error" in result:
                raise result["error"]
            if "document" not in result:
                pytest.fail("the title was not made within 300 s")
            return dict(result["document"])

        return get


def new_viewer(base_url: str, *, profiles: Iterable[dict[str, Any]] = ()) -> tuple[str, httpx.Client]:
    """An account made over the API (with extra profiles); its email and a signed-in client
    (close it)."""
    suffix = uuid.uuid4().hex[:8]
    email = f"v-{suffix}@example.com"
    client = httpx.Client(base_url=base_url, timeout=30)
    account = {"email": email, "username": f"v_{suffix}", "password": PASSWORD, "country": "US"}
    assert client.post("/api/v1/auth/register", json=account).status_code == 201
    login = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
    for profile in profiles:
        made = client.post("/api/v1/me/profiles", json=profile)
        assert made.status_code == 201, made.text
    return email, client


def assert_origins(recorded: RecordedPage, *origins: str) -> None:
    """Every request went to one of these origins (scheme://host:port)."""
    allowed = {(urlsplit(o).scheme, urlsplit(o).netloc) for o in origins}
    foreign = [
        url
        for url in recorded.urls()
        if not url.startswith(("data:", "blob:"))
        and (urlsplit(url).scheme, urlsplit(url).netloc) not in allowed
    ]
    assert not foreign, f"requests left the allowed origins {origins}: {foreign}"


def wait_playing(page: Page, past: float, *, selector: str = "video", timeout: float = 60_000) -> None:
    """Waits for `selector`'s currentTime to pass `past` seconds; fails with what the page knows."""
    try:
        page.wait_for_function(
            "([sel, t]) => (document.querySelector(sel)?.currentTime ?? 0) > t",
            arg=[selector, past],
            timeout=timeout,
        )
    except Exception:
        pytest.fail(f"{selector} did not pass {past} s: {player_state(page)}")


def player_state(page: Page) -> dict[str, Any]:
    state: dict[str, Any] = page.evaluate(
        """() => {
            const m = window.__cinemesh ?? {}, v = document.querySelector('.player video, video');
            return {url: location.pathname + location.search, errors: m.errors,
                    panel: document.querySelector('.player-panel, .trailer-message')?.innerText,
                    trailer: document.querySelector('.trailer')?.dataset.state,
                    ready: v?.readyState, paused: v?.paused, network: v?.networkState,
                    time: v?.currentTime, duration: v?.duration,
                    state: document.querySelector('.player')?.dataset.state};
        }"""
    )
    return state
