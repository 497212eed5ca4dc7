"""Billing over HTTP on a real database (SQLite and PostgreSQL): trial, renewal charged once,
dunning to suspension, recovery by a new card, plan changes, cancel / pause, idempotency."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.integration.billing.harness import (
    DECLINED,
    FAILS_LATER,
    GOOD,
    BillingHarness,
    assert_seed_valid,
    running_billing,
)

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgres"])
async def billing(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_url_factory: Callable[[str], str]
) -> AsyncIterator[BillingHarness]:
    url = postgres_url_factory("billing") if request.param == "postgres" else None
    async with running_billing(tmp_path, database_url=url) as harness:
        yield harness


def parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


async def test_plans_are_public_with_prices_and_entitlements(billing: BillingHarness) -> None:
    response = await billing.client.get("/api/v1/plans")
    assert response.status_code == 200
    plans = {plan["id"]: plan for plan in response.json()}
    assert list(plans) == ["basic", "standard", "premium", "ultra"]
    assert plans["standard"]["prices"]["EUR"] == 1299
    assert plans["premium"]["entitlements"] == {"max_height": 2160, "concurrent_streams": 4, "downloads": 6}


async def test_trial_renewal_once_dunning_suspension_and_recovery(billing: BillingHarness) -> None:
    account = billing.account(country="DE")
    created = await billing.checkout(account)
    assert created.status_code == 201, created.text
    subscription = created.json()["subscription"]
    assert subscription["billing_status"] == "trialing" and subscription["status"] == "active"
    assert subscription["test_mode"] is True and subscription["payment_method"]["last_four"] == "4242"
    trial_end = parse(subscription["trial_end"])

    # the renewal pass twice as of the trial's end: one charge, one invoice
    for _ in range(2):
        await billing.renew(trial_end)
    assert await billing.charges() == 1
    invoices = (await billing.client.get("/api/v1/billing/invoices", headers=account.auth)).json()
    assert [(i["sequence"] > 0, i["subtotal"], i["tax"], i["total"]) for i in invoices] == [
        (True, 1299, 247, 1546)
    ]
    renewed = await billing.subscription(account)
    assert renewed["billing_status"] == "active" and parse(renewed["end_date"]) > trial_end

    # a card that attaches but declines charges: the next renewal fails, 4 tries, suspended
    changed = await billing.client.put(
        "/api/v1/billing/payment-method", json=FAILS_LATER, headers=account.auth
    )
    assert changed.status_code == 200, changed.text
    now = parse(renewed["end_date"])
    statuses = []
    for _ in range(4):
        report = await billing.renew(now)
        assert report["examined"] == 1, report
        state = await billing.subscription(account)
        statuses.append(state["billing_status"])
        if state["billing_status"] == "past_due":
            now = parse(state["next_billing_date"])
    assert statuses == ["past_due", "past_due", "past_due", "suspended"]
    assert state["status"] == "suspended"
    assert now - parse(renewed["end_date"]) == dt.timedelta(days=14)  # the last retry: day 14
    # a good card: charged at once, active again, a second invoice
    recovered = await billing.client.put("/api/v1/billing/payment-method", json=GOOD, headers=account.auth)
    assert recovered.status_code == 200, recovered.text
    assert recovered.json()["subscription"]["billing_status"] == "active"
    invoices = (await billing.client.get("/api/v1/billing/invoices", headers=account.auth)).json()
    assert len(invoices) == 2 and invoices[1]["sequence"] == invoices[0]["sequence"] + 1

    ledger = await billing.client.get(
        f"/api/v1/admin/billing/accounts/{account.user_id}/ledger", headers=billing.admin
    )
    kinds = [entry["kind"] for entry in ledger.json()]
    assert kinds[:2] == ["created", "trial_started"]
    assert kinds.count("payment_failed") == 4 and kinds.count("invoice_issued") == 2
    assert all(entry["idempotency_key"] and entry["recorded_at"] for entry in ledger.json())
    forbidden = await billing.client.get(
        f"/api/v1/admin/billing/accounts/{account.user_id}/ledger", headers=account.auth
    )
    assert forbidden.status_code == 403


async def test_declined_card_and_no_second_trial(billing: BillingHarness) -> None:
    account = billing.account()
    declined = await billing.checkout(account, card=DECLINED)
    assert declined.status_code == 402 and declined.json()["type"].endswith("payment-declined")
    real = await billing.checkout(account, card={**GOOD, "number": "4111111111111112"})
    assert real.status_code == 422 and real.json()["errors"][0]["field"] == "payment_method.number"
    assert (await billing.checkout(account)).status_code == 201
    again = await billing.checkout(account)
    assert again.status_code == 409 and again.json()["type"].endswith("subscription-exists")
    # another account with the same card gets no trial: charged at once
    other = billing.account(country="US")
    paid = await billing.checkout(other, plan="basic")
    assert paid.status_code == 201
    assert paid.json()["subscription"]["billing_status"] == "active"
    [invoice] = (await billing.client.get("/api/v1/billing/invoices", headers=other.auth)).json()
    assert invoice["total"] == 699 and invoice["tax"] == 0
    assert (await billing.client.get("/api/v1/billing/invoices", headers=account.auth)).json() == []
    stranger = await billing.client.get(f"/api/v1/billing/invoices/{invoice['id']}", headers=account.auth)
    assert stranger.status_code == 404


async def test_idempotency_key_replays_the_first_answer_and_refuses_another_body(
    billing: BillingHarness,
) -> None:
    account = billing.account()
    first = await billing.checkout(account, key="order-1")
    replay = await billing.checkout(account, key="order-1")
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json() and replay.headers["idempotent-replayed"] == "true"
    mismatch = await billing.checkout(account, plan="premium", key="order-1")
    assert mismatch.status_code == 409
    assert (
        mismatch.json()["type"].endswith("idempotency-key-reused") and "order-1" in mismatch.json()["detail"]
    )
    declined_account = billing.account()
    refused = await billing.checkout(declined_account, card=DECLINED, key="k")
    refused_again = await billing.checkout(declined_account, card=DECLINED, key="k")
    assert refused.status_code == refused_again.status_code == 402


async def test_upgrade_prorated_downgrade_at_period_end_cancel_and_pause(billing: BillingHarness) -> None:
    account = billing.account(country="US")
    await billing.checkout(account, plan="standard")
    trial_end = parse((await billing.subscription(account))["trial_end"])
    await billing.renew(trial_end)
    upgraded = await billing.client.patch(
        "/api/v1/billing/subscription", json={"plan": "premium"}, headers=account.auth
    )
    assert upgraded.status_code == 200, upgraded.text
    assert upgraded.json()["subscription"]["tier"] == "premium"
    proration = (await billing.client.get("/api/v1/billing/invoices", headers=account.auth)).json()[-1]
    credit, charge = (line["amount"] for line in proration["lines"])
    # the subscription's clock stands at the renewal (the billing clock ran ahead of the wall
    # clock): the whole period is left, so the proration is the full difference (the partial case
    # is tests/unit/billing/test_domain.py's, to the second)
    assert (credit, charge, proration["total"]) == (-1549, 2299, 750)
    down = await billing.client.patch(
        "/api/v1/billing/subscription", json={"plan": "basic"}, headers=account.auth
    )
    assert down.json()["subscription"]["tier"] == "premium"
    assert down.json()["subscription"]["scheduled_plan"] == "basic"
    unknown = await billing.client.patch(
        "/api/v1/billing/subscription", json={"plan": "gold"}, headers=account.auth
    )
    assert unknown.status_code == 404 and unknown.json()["errors"][0]["field"] == "plan"

    canceled = await billing.client.post("/api/v1/billing/subscription/cancel", headers=account.auth)
    assert canceled.json()["subscription"]["cancel_at_period_end"] is True
    assert canceled.json()["subscription"]["auto_renew"] is False
    resumed = await billing.client.post("/api/v1/billing/subscription/resume", headers=account.auth)
    assert resumed.json()["subscription"]["cancel_at_period_end"] is False
    paused = await billing.client.post("/api/v1/billing/subscription/pause", headers=account.auth)
    assert paused.json()["subscription"]["status"] == "suspended"
    assert paused.json()["subscription"]["billing_status"] == "paused"
    for response in (upgraded, down, canceled, resumed, paused):
        assert_seed_valid(response.json()["subscription"])
    again = await billing.client.post("/api/v1/billing/subscription/pause", headers=account.auth)
    assert again.status_code == 409 and again.json()["type"].endswith("subscription-state")


async def test_invoice_numbers_have_no_gaps_under_20_concurrent_checkouts(billing: BillingHarness) -> None:
    accounts = [billing.account(country="FR") for _ in range(20)]
    cards = [GOOD] * 20
    # the first account takes the card's trial; the others are charged at once
    responses = await asyncio.gather(
        *(billing.checkout(a, card=c) for a, c in zip(accounts, cards, strict=True))
    )
    assert all(r.status_code == 201 for r in responses), [r.text for r in responses if r.status_code != 201]
    numbers = []
    for account in accounts:
        numbers += [
            i["sequence"]
            for i in (await billing.client.get("/api/v1/billing/invoices", headers=account.auth)).json()
        ]
    assert sorted(numbers) == list(range(1, len(numbers) + 1)) and len(numbers) == 19
