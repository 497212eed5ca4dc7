"""The users service's account document shows billing's subscription (users consumes
billing.subscription.changed.v1), valid against the seed's User Profile schema in every billing
state; an admin changes a subscription through billing's routes (users' PUT is gone).

Both services in one process on SQLite, sharing the embedded event bus of their data dir; the
viewer's token is the users service's own."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from cinemesh.billing.bootstrap import build_app
from cinemesh.billing.settings import BillingSettings
from cinemesh.contracts.billing import BILLING_TOPIC, BillingSubscriptionChangedV1, EntitlementsV1
from cinemesh.contracts.publishing import to_envelope
from cinemesh.platform.settings import Settings
from tests.fixtures._problems import assert_problem
from tests.integration.billing.harness import FAILS_LATER, GOOD
from tests.integration.users.harness import Harness, User, running_users

pytestmark = pytest.mark.integration


@dataclass
class Both:
    users: Harness
    billing: httpx.AsyncClient
    admin: dict[str, str]

    async def document_when(
        self, user: User, check: Callable[[dict[str, Any]], bool], *, timeout: float = 15
    ) -> dict[str, Any]:
        """The account's `subscription` section once `check` holds (users projects billing's
        events asynchronously); every document read is validated against the seed schema."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            section: dict[str, Any] = (await self.users.me(user))["subscription"]
            if check(section):
                return section
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"the account document still shows {section}")
            await asyncio.sleep(0.1)

    async def renew(self, at: str) -> None:
        response = await self.billing.post(
            "/api/v1/admin/billing/run-renewals", params={"now": at}, headers=self.admin
        )
        assert response.status_code == 200, response.text

    async def subscription(self, user: User) -> dict[str, Any]:
        response = await self.billing.get("/api/v1/billing/subscription", headers=user.auth)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()["subscription"]
        return body


@pytest.fixture
async def both(tmp_path: Path) -> AsyncIterator[Both]:
    async with running_users(tmp_path) as users:
        keys = users.services.users.keys

        async def jwks() -> dict[str, Any]:
            return keys.jwks()

        app = build_app(
            Settings(data_dir=tmp_path), jwks_fetcher=jwks, billing_settings=BillingSettings(trial_days=7)
        )
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://billing.test"
            ) as client,
        ):
            admin = await users.admin()
            yield Both(users, client, admin.auth)


DATES = ("start_date", "end_date", "next_billing_date")


def seen(section: dict[str, Any], shown: dict[str, Any]) -> bool:
    """The section shows billing's subscription `shown` (its seed fields; a date absent in one is
    absent in the other)."""
    if any(section.get(key) != shown[key] for key in ("tier", "status", "auto_renew")):
        return False
    return all(
        (key in section) == (shown.get(key) is not None)
        and (key not in section or _instant(section[key]) == _instant(shown[key]))
        for key in DATES
    )


def showing(shown: dict[str, Any]) -> Callable[[dict[str, Any]], bool]:
    return lambda section: seen(section, shown)


def _instant(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


async def test_the_document_shows_billings_subscription_in_every_state(both: Both) -> None:
    viewer = await both.users.register(country="DE")
    before = await both.document_when(viewer, lambda section: True)
    assert before == {"tier": "basic", "status": "active", "auto_renew": True}  # never subscribed

    checkout = await both.billing.post(
        "/api/v1/billing/checkout", json={"plan": "standard", "payment_method": GOOD}, headers=viewer.auth
    )
    assert checkout.status_code == 201, checkout.text
    trial = checkout.json()["subscription"]
    section = await both.document_when(viewer, lambda s: seen(s, trial))
    assert section["tier"] == "standard" and section["status"] == "active" and section["auto_renew"] is True
    assert section["payment_method"] == {
        "type": "credit_card", "last_four": "4242", "brand": "visa", "expiry": "12/34", "is_default": True,
    }  # fmt: skip
    assert "_billing" not in section  # the projection's bookkeeping is never shown

    await both.renew(trial["trial_end"])  # renewed: a paid month
    active = await both.subscription(viewer)
    assert active["billing_status"] == "active"
    await both.document_when(viewer, lambda s: seen(s, active))

    # a card that declines: past due (still playing: the seed's "active"), then suspended
    changed = await both.billing.put("/api/v1/billing/payment-method", json=FAILS_LATER, headers=viewer.auth)
    assert changed.status_code == 200, changed.text
    at = active["end_date"]
    states = []
    for _ in range(4):
        await both.renew(at)
        state = await both.subscription(viewer)
        states.append(state["billing_status"])
        section = await both.document_when(viewer, showing(state))
        assert section["payment_method"]["last_four"] == "0341"
        at = state["next_billing_date"] or at
    assert states == ["past_due", "past_due", "past_due", "suspended"]
    assert section["status"] == "suspended" and section["auto_renew"] is False
    assert "next_billing_date" not in section

    recovered = await both.billing.put("/api/v1/billing/payment-method", json=GOOD, headers=viewer.auth)
    assert recovered.status_code == 200 and recovered.json()["subscription"]["status"] == "active"
    await both.document_when(viewer, lambda s: seen(s, recovered.json()["subscription"]))

    # paused (the seed's "suspended"), resumed, canceled at period end, then ended
    for command, billing_status in (("pause", "paused"), ("resume", "active"), ("cancel", "active")):
        response = await both.billing.post(f"/api/v1/billing/subscription/{command}", headers=viewer.auth)
        assert response.status_code == 200, response.text
        shown = response.json()["subscription"]
        assert shown["billing_status"] == billing_status
        section = await both.document_when(viewer, showing(shown))
    assert section["status"] == "active" and section["auto_renew"] is False  # canceled at period end
    await both.renew(shown["end_date"])
    ended = await both.subscription(viewer)
    assert ended["billing_status"] == "canceled"
    section = await both.document_when(viewer, lambda s: s["status"] == "canceled")
    assert section["tier"] == "standard" and section["auto_renew"] is False


async def test_a_stale_or_redelivered_event_changes_nothing(both: Both) -> None:
    viewer = await both.users.register()
    checkout = await both.billing.post(
        "/api/v1/billing/checkout", json={"plan": "premium", "payment_method": GOOD}, headers=viewer.auth
    )
    assert checkout.status_code == 201, checkout.text
    current = checkout.json()["subscription"]
    await both.document_when(viewer, lambda s: seen(s, current))
    old = BillingSubscriptionChangedV1(
        user_id=viewer.user_id, subscription_id=current["subscription_id"], version=1, tier="basic",
        status="pending", billing_status="pending", auto_renew=False,
        entitlements=EntitlementsV1(max_height=720, concurrent_streams=1, downloads=0),
        current_period_end=None, changed_at=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    bus = both.users.app.state.runtime.bus
    await bus.publish_many([(BILLING_TOPIC, to_envelope(old, source="tests"))])
    await asyncio.sleep(1.0)  # time for the consumer to see it
    section = (await both.users.me(viewer))["subscription"]
    assert seen(section, current) and section["tier"] == "premium"


async def test_admins_change_a_subscription_through_billing_only(both: Both) -> None:
    a, b = await both.users.register(), await both.users.register()
    for user in (a, b):
        started = await both.billing.post(
            "/api/v1/billing/checkout", json={"plan": "basic", "payment_method": GOOD}, headers=user.auth
        )
        assert started.status_code == 201, started.text
    path = f"/api/v1/admin/billing/accounts/{b.user_id}/subscription"
    own = f"/api/v1/admin/billing/accounts/{a.user_id}/subscription"
    ultra = {"plan": "ultra"}
    assert_problem(await both.billing.patch(path, json=ultra, headers=a.auth), 403)
    assert_problem(await both.billing.patch(own, json=ultra, headers=a.auth), 403)
    assert_problem(await both.billing.post(f"{path}/cancel", headers=a.auth), 403)
    assert_problem(await both.billing.get(path, headers=a.auth), 403)
    assert_problem(await both.billing.patch(path, json=ultra), 401)
    await both.document_when(b, lambda s: s["tier"] == "basic" and "end_date" in s)

    changed = await both.billing.patch(path, json=ultra, headers=both.admin)
    assert changed.status_code == 200, changed.text
    assert changed.json()["subscription"]["tier"] == "ultra"
    section = await both.document_when(b, lambda s: s["tier"] == "ultra")
    assert section["status"] == "active" and section["auto_renew"] is True
    assert (await both.subscription(a))["tier"] == "basic"  # only the account in the path
    ledger = await both.billing.get(f"/api/v1/admin/billing/accounts/{b.user_id}/ledger", headers=both.admin)
    assert ledger.json()[-1]["kind"] == "plan_changed"
    by_admin = [e["kind"] for e in ledger.json() if (e["causation"] or "").startswith("admin:")]
    assert by_admin == ["charge_requested"]  # the upgrade's charge: the trail names who asked

    assert_problem(
        await both.billing.patch(path, json={"plan": "gold"}, headers=both.admin),
        404,
        "plan-not-found",
        field="plan",
    )
    missing = "00000000-0000-0000-0000-000000000000"
    assert_problem(
        await both.billing.patch(f"/api/v1/admin/billing/accounts/{missing}/subscription", json=ultra,
                                 headers=both.admin), 404,
    )  # fmt: skip
    assert_problem(
        await both.billing.patch("/api/v1/admin/billing/accounts/not-a-user/subscription", json=ultra,
                                 headers=both.admin), 422,
    )  # fmt: skip
    canceled = await both.billing.post(f"{path}/cancel", headers=both.admin)
    assert canceled.status_code == 200 and canceled.json()["subscription"]["cancel_at_period_end"] is True
    await both.document_when(b, lambda s: s["auto_renew"] is False)
    # users' own admin route for it is gone
    gone = await both.users.client.put(
        f"/api/v1/admin/users/{b.user_id}/subscription",
        json={"tier": "ultra", "status": "active"},
        headers=both.admin,
    )
    assert gone.status_code in (404, 405)
