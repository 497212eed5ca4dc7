"""Coupons behind promotion codes: a 100 % coupon charges nothing, a repeating one discounts N
months then stops, and a code that cannot be used says why."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from cinemesh.billing.settings import BillingSettings
from tests.integration.billing.harness import BillingHarness, running_billing

pytestmark = pytest.mark.integration


@pytest.fixture
async def billing(tmp_path: Path) -> AsyncIterator[BillingHarness]:
    async with running_billing(tmp_path, billing=BillingSettings(trial_days=0)) as harness:
        yield harness


async def coupon(billing: BillingHarness, code: str, **terms: Any) -> None:
    created = await billing.client.post(
        "/api/v1/admin/billing/coupons",
        json={"coupon_id": code.lower(), "name": code, **terms},
        headers=billing.admin,
    )
    assert created.status_code == 201, created.text
    added = await billing.client.post(
        "/api/v1/admin/billing/promotion-codes",
        json={"code": code, "coupon_id": code.lower()},
        headers=billing.admin,
    )
    assert added.status_code == 201, added.text


async def invoices(billing: BillingHarness, auth: dict[str, str]) -> list[dict[str, Any]]:
    body: list[dict[str, Any]] = (await billing.client.get("/api/v1/billing/invoices", headers=auth)).json()
    return body


async def test_a_100_percent_coupon_charges_nothing(billing: BillingHarness) -> None:
    await coupon(billing, "FREEMONTH", percent_off=100)
    account = billing.account(country="DE")
    response = await billing.client.post(
        "/api/v1/billing/checkout",
        json={"plan": "standard", "payment_method": {"type": "credit_card", "number": "4242424242424242",
              "exp_month": 1, "exp_year": 2040, "cvc": "999"}, "promotion_code": "freemonth"},
        headers=account.auth,
    )  # fmt: skip
    assert response.status_code == 201, response.text
    assert response.json()["subscription"]["billing_status"] == "active"
    [invoice] = await invoices(billing, account.auth)
    assert [(line["kind"], line["amount"]) for line in invoice["lines"]] == [
        ("plan", 1299),
        ("coupon", -1299),
    ]
    assert (invoice["subtotal"], invoice["tax"], invoice["total"]) == (0, 0, 0)
    assert await billing.charges() == 0  # nothing was asked of the provider
    end = dt.datetime.fromisoformat((await billing.subscription(account))["end_date"])
    await billing.renew(end)  # "once": the second month is full price
    assert (await invoices(billing, account.auth))[-1]["total"] == 1299 + 247
    assert await billing.charges() == 1


async def test_a_repeating_coupon_discounts_its_months_then_stops(billing: BillingHarness) -> None:
    await coupon(billing, "HALF2", percent_off=50, duration="repeating", duration_months=2)
    account = billing.account(country="US")
    assert (await billing.checkout(account, plan="basic", promotion_code="HALF2")).status_code == 201
    for _ in range(2):
        end = dt.datetime.fromisoformat((await billing.subscription(account))["end_date"])
        await billing.renew(end)
    assert [i["total"] for i in await invoices(billing, account.auth)] == [
        349,
        349,
        699,
    ]  # 50 % of 699 is 349.5: the discount rounds half up


async def test_codes_that_cannot_be_used_say_why(billing: BillingHarness) -> None:
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).isoformat()
    await coupon(billing, "ONCEONLY", amount_off=500, currency="EUR", max_redemptions=1)
    await coupon(billing, "PREMIUMONLY", percent_off=20, plans=["premium"])
    await coupon(billing, "OLD", percent_off=20, redeem_by=past)
    first = billing.account(country="FR")
    assert (await billing.checkout(first, promotion_code="ONCEONLY")).status_code == 201
    [invoice] = await invoices(billing, first.auth)
    assert invoice["subtotal"] == 1299 - 500 and invoice["tax"] == 160  # French VAT 20 % after the discount
    for code, words in (("ONCEONLY", "used up"), ("PREMIUMONLY", "only to premium"), ("OLD", "expired"),
                        ("NOSUCH", "No promotion code")):  # fmt: skip
        refused = await billing.checkout(billing.account(country="FR"), promotion_code=code)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "promotion_code" and words in refused.json()["detail"]
    dollars = await billing.checkout(billing.account(country="US"), promotion_code="ONCEONLY")
    assert dollars.status_code == 422


async def test_only_admins_make_coupons_and_bad_terms_are_refused(billing: BillingHarness) -> None:
    viewer = billing.account()
    body = {"coupon_id": "x", "name": "X", "percent_off": 10}
    assert (
        await billing.client.post("/api/v1/admin/billing/coupons", json=body, headers=viewer.auth)
    ).status_code == 403
    both = {**body, "amount_off": 100, "currency": "USD"}
    bad = await billing.client.post("/api/v1/admin/billing/coupons", json=both, headers=billing.admin)
    assert bad.status_code == 422
    naive = {**body, "redeem_by": "2030-01-01T00:00:00"}
    assert (
        await billing.client.post("/api/v1/admin/billing/coupons", json=naive, headers=billing.admin)
    ).status_code == 422
    assert (
        await billing.client.post("/api/v1/admin/billing/coupons", json=body, headers=billing.admin)
    ).status_code == 201
    again = await billing.client.post("/api/v1/admin/billing/coupons", json=body, headers=billing.admin)
    assert again.status_code == 409 and again.json()["type"].endswith("coupon-exists")
