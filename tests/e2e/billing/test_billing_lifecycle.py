"""Billing in the whole platform, both shapes, through the gateway: sign up -> trial -> renewal
charged once -> a card that declines -> dunning -> suspended (delivery refuses playback with
subscription-inactive) -> card updated -> active, and playback allowed again.

Subscriptions reach delivery only through billing's own events; the title, profile and device
events delivery projects are published here by hand (as in the delivery e2e test)."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from cinemesh.contracts.catalog import AvailabilityWindow, TitlePublishedV1
from cinemesh.contracts.events import EventContract
from cinemesh.contracts.users import DeviceChangedV1, ProfileChangedV1
from tests.e2e.delivery.test_playback_through_gateway import platform_settings, publish
from tests.fixtures.cmaf import CmafVideo, generate
from tests.fixtures.platform import RunningPlatform

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("platform"), pytest.mark.timeout(300)]

GOOD = {"type": "credit_card", "number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}
FAILS_LATER = {**GOOD, "number": "4000000000000341"}


def sign_in(client: httpx.Client, email: str, password: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def until(check: Any, *, timeout: float = 30) -> httpx.Response:
    """Polls `check` (a response-returning call) until it returns truthy-tagged (ok, response)."""
    deadline = time.monotonic() + timeout
    while True:
        ok, response = check()
        if ok or time.monotonic() > deadline:
            return response  # type: ignore[no-any-return]
        time.sleep(0.2)


@dataclass
class Viewer:
    user_id: str
    auth: dict[str, str]
    playback: dict[str, str]
    suffix: str


def new_viewer(platform: RunningPlatform, client: httpx.Client, tmp_path: Path) -> Viewer:
    """A registered German viewer with a profile and a device, and a title delivery can play."""
    video_id, content_id = str(uuid.uuid4()), str(uuid.uuid4())
    video: CmafVideo = generate(tmp_path / "cmaf", video_id=video_id, title_id=content_id)
    video.install(Path(platform.env["CINEMESH_DATA_DIR"]) / "objects" / "data")
    suffix = uuid.uuid4().hex[:10]
    account = {"email": f"b-{suffix}@example.com", "username": f"b_{suffix}",
               "password": "correct horse battery", "country": "DE"}  # fmt: skip
    registered = client.post("/api/v1/auth/register", json=account)
    assert registered.status_code == 201, registered.text
    user_id = registered.json()["user_id"]
    profile_id, device_id = str(uuid.uuid4()), str(uuid.uuid4())
    now = dt.datetime.now(dt.UTC)
    events: list[EventContract] = [
        video.event,
        TitlePublishedV1(
            title_id=content_id, content_id=content_id, content_type="movie", maturity_rating="PG",
            video_id=video_id, published_at=now,
            windows=[AvailabilityWindow(country="DE", starts_at=now - dt.timedelta(days=1))],
        ),
        ProfileChangedV1(
            user_id=user_id, profile_id=profile_id, change="created", name="Me", is_kids=False,
            is_main=True, max_maturity_rating=None, pin_required=False, changed_at=now,
        ),
        DeviceChangedV1(
            user_id=user_id, device_id=device_id, change="registered", device_type="web", changed_at=now
        ),
    ]  # fmt: skip
    with platform_settings(platform) as settings:
        asyncio.run(publish(settings, events))
    return Viewer(
        user_id=user_id,
        auth=sign_in(client, account["email"], account["password"]),
        playback={"content_id": content_id, "profile_id": profile_id, "device_id": device_id},
        suffix=suffix,
    )


def test_lifecycle_through_the_gateway(platform: RunningPlatform, tmp_path: Path) -> None:
    with httpx.Client(base_url=platform.base_url, timeout=30) as client:
        viewer = new_viewer(platform, client, tmp_path)
        auth, user_id, suffix, body = viewer.auth, viewer.user_id, viewer.suffix, viewer.playback
        admin = sign_in(client, platform.admin_email, platform.admin_password)
        plans = client.get("/api/v1/plans")
        assert plans.status_code == 200 and [p["id"] for p in plans.json()][:2] == ["basic", "standard"]
        checkout = client.post(
            "/api/v1/billing/checkout", json={"plan": "standard", "payment_method": GOOD},
            headers={**auth, "Idempotency-Key": f"signup-{suffix}"},
        )  # fmt: skip
        assert checkout.status_code == 201, checkout.text
        subscription = checkout.json()["subscription"]
        assert subscription["billing_status"] == "trialing" and subscription["test_mode"] is True

        def renew(at: str) -> dict[str, Any]:
            response = client.post("/api/v1/admin/billing/run-renewals", params={"now": at}, headers=admin)
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            return body

        def current() -> dict[str, Any]:
            body: dict[str, Any] = client.get("/api/v1/billing/subscription", headers=auth).json()[
                "subscription"
            ]
            return body

        def play() -> tuple[bool, httpx.Response]:
            response = client.post("/api/v1/playback", json=body, headers=auth)
            if response.status_code == 201:
                client.delete(f"/api/v1/playback/{response.json()['session_id']}", headers=auth)
            return response.status_code == 201, response

        def refused() -> tuple[bool, httpx.Response]:
            response = client.post("/api/v1/playback", json=body, headers=auth)
            return response.status_code == 403 and response.json()["type"].endswith(
                "subscription-inactive"
            ), response

        # the trial ends: renewed, charged once however often the pass runs
        renew(subscription["trial_end"])
        renew(subscription["trial_end"])
        invoices = client.get("/api/v1/billing/invoices", headers=auth).json()
        assert len(invoices) == 1 and invoices[0]["total"] == 1299 + 247  # EUR 12.99 + 19 % German VAT

        # Delivery hears billing's event asynchronously (over Kafka in the distributed shape); until
        # then the account plays on the default basic plan, so wait for the paid plan itself.
        def play_standard() -> tuple[bool, httpx.Response]:
            ok, response = play()
            return ok and response.json()["tier"] == "standard", response

        played = until(play_standard, timeout=60)
        assert played.status_code == 201, played.text + platform.log_tail()
        assert played.json()["tier"] == "standard"

        # the card starts declining: four tries over two weeks, then suspended
        assert client.put("/api/v1/billing/payment-method", json=FAILS_LATER, headers=auth).status_code == 200
        at = current()["end_date"]
        for _ in range(4):
            renew(at)
            state = current()
            at = state["next_billing_date"] or at
        assert state["status"] == "suspended", state
        blocked = until(refused)
        assert blocked.status_code == 403 and blocked.json()["type"].endswith("subscription-inactive"), (
            blocked.text
        )

        # a working card: charged at once, active, playback allowed again
        recovered = client.put("/api/v1/billing/payment-method", json=GOOD, headers=auth)
        assert recovered.status_code == 200 and recovered.json()["subscription"]["status"] == "active"
        assert until(play).status_code == 201
        assert len(client.get("/api/v1/billing/invoices", headers=auth).json()) == 2
        trail = client.get(f"/api/v1/admin/billing/accounts/{user_id}/ledger", headers=admin).json()
        assert [e["kind"] for e in trail].count("payment_failed") == 4
        assert client.get(f"/api/v1/admin/billing/accounts/{user_id}/ledger", headers=auth).status_code == 403
