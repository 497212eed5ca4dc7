"""A renewal whose process dies between the provider's charge and our record: the next pass
asks the provider again with the same key and records the charge it made. One charge, one
invoice. And free mode: nothing is charged, checkout says so."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cinemesh.billing.domain.ledger import PaymentMethod
from cinemesh.billing.domain.payments import ChargeResult
from cinemesh.billing.providers.sandbox import SandboxProvider
from cinemesh.billing.settings import BillingSettings
from cinemesh.contracts.billing import BILLING_TOPIC
from cinemesh.contracts.publishing import to_envelope
from cinemesh.contracts.users import UserRegisteredV1
from cinemesh.platform.db import Database
from tests.integration.billing.harness import running_billing

pytestmark = pytest.mark.integration


class DiesAfterCharging(SandboxProvider):
    """Charges, then dies before the answer reaches billing: the first two times (the renewal
    pass retries a failed chunk one subscription at a time, so the pass itself fails twice)."""

    def __init__(self, database: Database) -> None:
        super().__init__(database)
        self.deaths = 0

    async def charge(
        self, *, payment_method: PaymentMethod, amount: int, currency: str, idempotency_key: str
    ) -> ChargeResult:
        result = await super().charge(
            payment_method=payment_method, amount=amount, currency=currency, idempotency_key=idempotency_key
        )
        if self.deaths < 2:
            self.deaths += 1
            raise ConnectionError("killed between the provider's charge and our record")
        return result


async def test_a_pass_killed_after_charging_charges_once_on_the_next(tmp_path: Path) -> None:
    async with running_billing(tmp_path, provider_factory=DiesAfterCharging) as billing:
        account = billing.account(country="IE")
        created = await billing.checkout(account)
        assert created.status_code == 201, created.text
        trial_end = dt.datetime.fromisoformat(created.json()["subscription"]["trial_end"])
        first = await billing.renew(trial_end)
        assert first["outcomes"] == {"error": 1}
        assert await billing.charges() == 1
        pending = await billing.client.get(
            f"/api/v1/admin/billing/accounts/{account.user_id}/ledger", headers=billing.admin
        )
        assert pending.json()[-1]["kind"] == "charge_requested"
        second = await billing.renew(trial_end + dt.timedelta(minutes=1))
        assert second["outcomes"] == {"renewed": 1}
        assert await billing.charges() == 1
        invoices = (await billing.client.get("/api/v1/billing/invoices", headers=account.auth)).json()
        assert len(invoices) == 1 and invoices[0]["total"] == 1299 + 299  # Irish VAT 23 %
        assert (await billing.renew(trial_end + dt.timedelta(days=1)))["examined"] == 0


async def test_free_mode_charges_nothing(tmp_path: Path) -> None:
    async with running_billing(
        tmp_path, billing=BillingSettings(mode="free", free_plan="standard")
    ) as billing:
        account = billing.account()
        refused = await billing.checkout(account)
        assert refused.status_code == 409 and refused.json()["type"].endswith("billing-disabled")
        assert "standard" in refused.json()["detail"]
        assert await billing.charges() == 0
        shown = await billing.subscription(account)
        assert (shown["tier"], shown["status"], shown["billing_status"]) == ("standard", "active", "free")
        # a new account is granted the plan through billing's event (what delivery obeys)
        bus = billing.app.state.runtime.bus
        registered = UserRegisteredV1(
            user_id=account.user_id,
            username="u",
            country="DE",
            roles=["viewer"],
            registered_at=dt.datetime.now(dt.UTC),
        )
        async with bus.subscribe("test-billing-free", [BILLING_TOPIC]) as subscription:
            await bus.publish_many([(registered.topic, to_envelope(registered, source="tests"))])
            granted = None
            for _ in range(50):
                records = await subscription.fetch(timeout=0.2)
                if records:
                    granted = records[0].envelope
                    break
        assert granted is not None and granted.type == "billing.subscription.changed.v1"
        assert granted.data["tier"] == "standard" and granted.data["status"] == "active"
        assert granted.data["entitlements"]["max_height"] == 1080
