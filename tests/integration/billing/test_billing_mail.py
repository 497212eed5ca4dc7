"""Invoices and credit notes reach the account holder by mail: billing publishes each document,
the users service (which holds the address and the mail adapter) mails a link to the billing page.
Both services in-process on one embedded event log."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from cinemesh.billing.bootstrap import build_app
from cinemesh.billing.settings import BillingSettings
from cinemesh.platform.settings import Settings
from cinemesh.users.identity.mailer import Mail
from tests.integration.billing.harness import GOOD
from tests.integration.users.harness import BASE_URL, RecordingMailer, running_users

pytestmark = pytest.mark.integration


async def mail_to(mailer: RecordingMailer, to: str, subject: str, timeout: float = 15) -> Mail:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = [mail for mail in mailer.sent if mail.to == to and mail.subject.startswith(subject)]
        if found:
            return found[-1]
        assert asyncio.get_running_loop().time() < deadline, [m.subject for m in mailer.sent]
        await asyncio.sleep(0.05)


async def test_an_invoice_and_a_credit_note_are_mailed_to_the_account(tmp_path: Path) -> None:
    async with running_users(tmp_path) as users:
        keys = users.services.users.keys

        async def jwks() -> dict[str, object]:
            return keys.jwks()

        app = build_app(
            Settings(data_dir=tmp_path), jwks_fetcher=jwks, billing_settings=BillingSettings(trial_days=0)
        )
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://billing.test"
            ) as billing,
        ):
            viewer, other = await users.register(country="DE"), await users.register(country="DE")
            body = {"plan": "standard", "payment_method": GOOD}
            assert (
                await billing.post("/api/v1/billing/checkout", json=body, headers=viewer.auth)
            ).status_code == 201
            mail = await mail_to(users.mailer, viewer.email, "Your cinemesh invoice CM-")
            assert "EUR 15.46" in mail.text and "EUR 2.47" in mail.text  # 12.99 + 19 % VAT
            assert mail.link == f"{BASE_URL}/account/billing" and mail.link in mail.text

            [invoice] = (await billing.get("/api/v1/billing/invoices", headers=viewer.auth)).json()
            admin = await users.admin()
            refunded = await billing.post(
                f"/api/v1/admin/billing/invoices/{invoice['id']}/refunds",
                json={"amount": 500, "reason": "outage"},
                headers={**admin.auth, "Idempotency-Key": "mail-1"},
            )
            assert refunded.status_code == 201, refunded.text
            note = await mail_to(users.mailer, viewer.email, "Your cinemesh refund, credit note CN-")
            assert "EUR 5.00" in note.text and invoice["number"] in note.text
            assert not [
                m for m in users.mailer.sent if m.to == other.email and "cinemesh invoice" in m.subject
            ]
