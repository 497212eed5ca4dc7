"""The Stripe adapter (official SDK) against a Stripe-API server started by the tests
(localstripe): trial -> renewal charged once -> a card that declines -> dunning -> suspended ->
a new card -> active; and a charge asked twice with one key is made once."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import stripe

from cinemesh.billing.domain.payments import ProviderMethodId
from cinemesh.billing.providers.stripe import StripeProvider
from cinemesh.billing.settings import BillingSettings
from tests.integration.billing.harness import BillingHarness, running_billing

pytestmark = [
    pytest.mark.integration,
    # stripe's HTTPXClient posts bytes through `data=`, which httpx deprecates (a stripe matter)
    pytest.mark.filterwarnings("ignore:Use 'content=<...>' to upload raw bytes:DeprecationWarning"),
]
API_KEY = "sk_test_cinemesh"


@pytest.fixture
async def billing(tmp_path: Path, localstripe_url: str) -> AsyncIterator[BillingHarness]:
    settings = BillingSettings(
        provider="stripe",
        stripe_api_key=API_KEY,
        stripe_api_base=localstripe_url,
        trial_days=7,
    )
    async with running_billing(tmp_path, billing=settings) as harness:
        yield harness


async def method(url: str, number: str) -> dict[str, Any]:
    """What Stripe.js does in the browser: the card goes to Stripe, cinemesh gets an id."""
    http = stripe.HTTPXClient()
    try:
        client = stripe.StripeClient(API_KEY, base_addresses={"api": url}, http_client=http)
        created = await client.v1.payment_methods.create_async(
            params={
                "type": "card",
                "card": {"number": number, "exp_month": 12, "exp_year": 2035, "cvc": "123"},
            }
        )
    finally:
        await http.close_async()
    return {"type": "provider", "payment_method_id": created.id}


async def test_lifecycle_through_stripe(billing: BillingHarness, localstripe_url: str) -> None:
    account = billing.account(country="NL")
    raw = {
        "type": "credit_card",
        "number": "4242424242424242",
        "exp_month": 1,
        "exp_year": 2040,
        "cvc": "123",
    }
    numbers = await billing.checkout(account, card=raw)
    assert numbers.status_code == 422  # card numbers never reach cinemesh in Stripe mode
    created = await billing.checkout(account, card=await method(localstripe_url, "4242424242424242"))
    assert created.status_code == 201, created.text
    subscription = created.json()["subscription"]
    assert subscription["payment_method"]["last_four"] == "4242" and subscription["test_mode"] is True
    trial_end = dt.datetime.fromisoformat(subscription["trial_end"])
    await billing.renew(trial_end)
    await billing.renew(trial_end)
    renewed = await billing.subscription(account)
    assert renewed["billing_status"] == "active"
    [invoice] = (await billing.client.get("/api/v1/billing/invoices", headers=account.auth)).json()
    assert invoice["total"] == 1299 + 273  # Dutch VAT 21 %

    declined = await billing.client.put(
        "/api/v1/billing/payment-method",
        json=await method(localstripe_url, "4000000000000002"),
        headers=account.auth,
    )
    assert declined.status_code == 402
    later = await method(localstripe_url, "4000000000000341")
    assert (
        await billing.client.put("/api/v1/billing/payment-method", json=later, headers=account.auth)
    ).status_code == 200
    at = dt.datetime.fromisoformat(renewed["end_date"])
    for _ in range(4):
        await billing.renew(at)
        state = await billing.subscription(account)
        at = dt.datetime.fromisoformat(state["next_billing_date"]) if state["next_billing_date"] else at
    assert state["billing_status"] == "suspended"
    good = await method(localstripe_url, "4242424242424242")
    recovered = await billing.client.put("/api/v1/billing/payment-method", json=good, headers=account.auth)
    assert recovered.status_code == 200 and recovered.json()["subscription"]["billing_status"] == "active"


async def test_one_key_one_charge(tmp_path: Path, localstripe_url: str) -> None:
    async with running_billing(tmp_path) as billing:  # a database for the customer table
        provider = StripeProvider(
            billing.app.state.runtime.database, api_key=API_KEY, api_base=localstripe_url
        )
        card = await method(localstripe_url, "4242424242424242")
        attached = await provider.attach(user_id="u-1", details=ProviderMethodId(card["payment_method_id"]))
        first = await provider.charge(
            payment_method=attached, amount=999, currency="EUR", idempotency_key="k-1"
        )
        again = await provider.charge(
            payment_method=attached, amount=999, currency="EUR", idempotency_key="k-1"
        )
        assert first.charge_id is not None and again.charge_id == first.charge_id
        assert await provider._intent_of("k-1") == first.charge_id  # one intent for the key
        await provider.close()


async def test_one_key_one_refund(tmp_path: Path, localstripe_url: str) -> None:
    async with running_billing(tmp_path) as billing:
        provider = StripeProvider(
            billing.app.state.runtime.database, api_key=API_KEY, api_base=localstripe_url
        )
        card = await method(localstripe_url, "4242424242424242")
        attached = await provider.attach(user_id="u-2", details=ProviderMethodId(card["payment_method_id"]))
        paid = await provider.charge(
            payment_method=attached, amount=999, currency="EUR", idempotency_key="k-2"
        )
        assert paid.charge_id is not None
        first = await provider.refund(
            charge_id=paid.charge_id, amount=400, currency="EUR", idempotency_key="r-1"
        )
        again = await provider.refund(
            charge_id=paid.charge_id, amount=400, currency="EUR", idempotency_key="r-1"
        )
        assert first.refund_id is not None and again.refund_id == first.refund_id
        listed = await provider.client.v1.refunds.list_async(params={"payment_intent": paid.charge_id})
        assert [refund.amount for refund in listed.data] == [400]  # given back once
        await provider.close()
