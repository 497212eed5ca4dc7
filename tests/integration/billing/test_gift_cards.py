"""A gift card pays until its balance runs out: one covering two months pays the sign-up and one
renewal, and the next renewal goes into dunning like a declined card."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cinemesh.billing.settings import BillingSettings
from tests.integration.billing.harness import running_billing

pytestmark = pytest.mark.integration


async def test_a_gift_card_covering_two_months(tmp_path: Path) -> None:
    async with running_billing(tmp_path, billing=BillingSettings(trial_days=0)) as billing:
        month = 1299 + 247  # Standard in Germany with 19 % VAT
        issued = await billing.client.post(
            "/api/v1/admin/billing/gift-cards",
            json={"amount": 2 * month, "currency": "EUR"},
            headers=billing.admin,
        )
        assert issued.status_code == 201, issued.text
        code = issued.json()["code"]
        viewer = billing.account(country="DE")
        refused = await billing.client.post(
            "/api/v1/admin/billing/gift-cards", json={"amount": 1, "currency": "EUR"}, headers=viewer.auth
        )
        assert refused.status_code == 403
        unknown = await billing.checkout(viewer, card={"type": "gift_card", "code": "AAAA-BBBB-CCCC-DDDD"})
        assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "payment_method.code"

        paid = await billing.checkout(viewer, card={"type": "gift_card", "code": code.lower()})
        assert paid.status_code == 201, paid.text
        subscription = paid.json()["subscription"]
        assert subscription["billing_status"] == "active"
        assert subscription["payment_method"] == {
            "type": "gift_card", "last_four": None, "brand": None, "expiry": None, "is_default": True,
        }  # fmt: skip
        end = dt.datetime.fromisoformat((await billing.subscription(viewer))["end_date"])
        await billing.renew(end)
        second = await billing.subscription(viewer)
        assert second["billing_status"] == "active"
        await billing.renew(dt.datetime.fromisoformat(second["end_date"]))
        third = await billing.subscription(viewer)
        assert third["billing_status"] == "past_due"  # the card is spent
        totals = [
            i["total"]
            for i in (await billing.client.get("/api/v1/billing/invoices", headers=viewer.auth)).json()
        ]
        assert totals == [month, month]
        assert await billing.charges() == 0  # the card provider was never asked
