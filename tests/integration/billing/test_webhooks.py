"""Provider webhooks: a signed event settles the charge it names (as the renewal pass would);
the same event three times and out of order has one effect; a forged or stale signature is a
400 and changes nothing."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import orjson
import pytest

from cinemesh.billing.domain.webhooks import sign
from cinemesh.billing.settings import BillingSettings
from tests.integration.billing.harness import BillingHarness, running_billing
from tests.integration.billing.test_crash_safety import DiesAfterCharging

pytestmark = pytest.mark.integration
SECRET = "whsec_test_secret"


def event(event_id: str, kind: str, charge_key: str) -> bytes:
    return orjson.dumps(
        {"id": event_id, "type": kind, "data": {"object": {"metadata": {"cinemesh_charge_key": charge_key}}}}
    )


async def deliver(billing: BillingHarness, body: bytes, *, signature: str | None = None) -> tuple[int, str]:
    header = signature or sign(SECRET.encode(), int(time.time()), body)
    response = await billing.client.post(
        "/api/v1/billing/webhooks/sandbox", content=body, headers={"Stripe-Signature": header}
    )
    return response.status_code, response.json().get("received") or response.json()["type"]


async def test_webhooks_settle_once_in_any_order_and_refuse_bad_signatures(tmp_path: Path) -> None:
    settings = BillingSettings(trial_days=7, webhook_secret=SECRET)
    async with running_billing(tmp_path, billing=settings, provider_factory=DiesAfterCharging) as billing:
        account = billing.account(country="US")
        created = await billing.checkout(account)
        trial_end = dt.datetime.fromisoformat(created.json()["subscription"]["trial_end"])
        assert (await billing.renew(trial_end))["outcomes"] == {"error": 1}  # charged, not recorded
        ledger = f"/api/v1/admin/billing/accounts/{account.user_id}/ledger"
        pending = (await billing.client.get(ledger, headers=billing.admin)).json()[-1]
        assert pending["kind"] == "charge_requested"
        key = pending["data"]["charge_key"]

        succeeded = event("evt_1", "payment_intent.succeeded", key)
        forged = sign(b"another secret", int(time.time()), succeeded)
        assert (await deliver(billing, succeeded, signature=forged))[0] == 400
        stale = sign(SECRET.encode(), int(time.time()) - 301, succeeded)
        status, code = await deliver(billing, succeeded, signature=stale)
        assert status == 400 and code.endswith("webhook-signature-invalid")
        assert (await billing.subscription(account))["billing_status"] == "trialing"  # nothing changed

        late_failure = event("evt_2", "payment_intent.payment_failed", key)
        results = [await deliver(billing, body) for body in (succeeded, succeeded, late_failure, succeeded)]
        # the late failure is looked at (its charge exists) but finds nothing pending: no effect
        assert results == [(200, "applied"), (200, "duplicate"), (200, "applied"), (200, "duplicate")]
        state = await billing.subscription(account)
        assert state["billing_status"] == "active"
        assert len((await billing.client.get("/api/v1/billing/invoices", headers=account.auth)).json()) == 1
        assert await billing.charges() == 1
        kinds = [e["kind"] for e in (await billing.client.get(ledger, headers=billing.admin)).json()]
        assert kinds.count("payment_succeeded") == 1 and kinds.count("invoice_issued") == 1
        other = await billing.client.post("/api/v1/billing/webhooks/stripe", content=succeeded)
        assert other.status_code == 404
