"""The sandbox card that asks for the bank's confirmation (3-D Secure, 4000 0025 0000 3155): a
checkout answers 402 with the next step and charges nothing; the customer confirms and the
subscription starts (one charge, one invoice), or refuses and it stays unpaid; nobody confirms and
the renewal pass settles the charge as failed once the window is over."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from cinemesh.billing.settings import BillingSettings
from tests.integration.billing.harness import GOOD, BillingHarness, running_billing

pytestmark = pytest.mark.integration
CONFIRMS = {**GOOD, "number": "4000002500003155"}
CONFIRM = "/api/v1/billing/subscription/confirm"


@pytest.fixture(params=["sqlite", "postgres"])
async def billing(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_url_factory: Callable[[str], str]
) -> AsyncIterator[BillingHarness]:
    url = postgres_url_factory("billing") if request.param == "postgres" else None
    async with running_billing(tmp_path, database_url=url, billing=BillingSettings(trial_days=0)) as harness:
        yield harness


async def test_a_confirmed_payment_starts_the_subscription(billing: BillingHarness) -> None:
    viewer = billing.account(country="DE")
    asked = await billing.checkout(viewer, card=CONFIRMS, key="checkout-1")
    assert asked.status_code == 402, asked.text
    problem = asked.json()
    assert problem["type"].endswith("authentication-required")
    assert problem["next_action"] == {"type": "confirm_payment", "url": CONFIRM}
    assert dt.datetime.fromisoformat(problem["confirm_by"]) > dt.datetime.now(dt.UTC) + dt.timedelta(hours=22)
    assert await billing.charges() == 0  # nothing is charged before the bank's answer
    replay = await billing.checkout(viewer, card=CONFIRMS, key="checkout-1")
    assert replay.status_code == 402 and replay.headers["Idempotent-Replayed"] == "true"

    confirmed = await billing.client.post(CONFIRM, json={"approve": True}, headers=viewer.auth)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["subscription"]["billing_status"] == "active"
    assert await billing.charges() == 1
    invoices = (await billing.client.get("/api/v1/billing/invoices", headers=viewer.auth)).json()
    assert [i["total"] for i in invoices] == [1299 + 247]
    again = await billing.client.post(CONFIRM, json={"approve": True}, headers=viewer.auth)
    assert again.status_code == 409 and again.json()["type"].endswith("no-action-required")

    stranger = billing.account(country="DE")  # acts on its own account only: it has none
    assert (
        await billing.client.post(CONFIRM, json={"approve": True}, headers=stranger.auth)
    ).status_code == 404
    bad = await billing.client.post(CONFIRM, json={"approve": "yes please"}, headers=viewer.auth)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "approve"


async def test_a_refused_confirmation_leaves_it_unpaid(billing: BillingHarness) -> None:
    viewer = billing.account(country="DE")
    assert (await billing.checkout(viewer, card=CONFIRMS)).status_code == 402
    refused = await billing.client.post(CONFIRM, json={"approve": False}, headers=viewer.auth)
    assert refused.status_code == 402 and refused.json()["decline_code"] == "authentication_failed"
    state = (await billing.client.get("/api/v1/billing/subscription", headers=viewer.auth)).json()
    assert state["subscription"]["billing_status"] == "pending"
    assert (await billing.client.get("/api/v1/billing/invoices", headers=viewer.auth)).json() == []
    # a new checkout with a good card starts one
    assert (await billing.checkout(viewer, card=GOOD)).status_code == 201


async def test_an_unconfirmed_payment_expires_at_the_window_end(billing: BillingHarness) -> None:
    viewer = billing.account(country="DE")
    asked = await billing.checkout(viewer, card=CONFIRMS)
    confirm_by = dt.datetime.fromisoformat(asked.json()["confirm_by"])
    early = await billing.renew(confirm_by - dt.timedelta(hours=1))
    assert early["examined"] == 0  # the customer's to confirm until then
    await billing.renew(confirm_by + dt.timedelta(minutes=1))
    late = await billing.client.post(CONFIRM, json={"approve": True}, headers=viewer.auth)
    assert late.status_code == 409  # settled as failed: nothing waits any more
    ledger = (
        await billing.client.get(
            f"/api/v1/admin/billing/accounts/{viewer.user_id}/ledger", headers=billing.admin
        )
    ).json()
    assert [e["kind"] for e in ledger][-2:] == ["action_required", "payment_failed"]
    assert ledger[-1]["data"]["decline_code"] == "authentication_required"
    assert await billing.charges() == 0
