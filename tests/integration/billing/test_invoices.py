"""Invoices are a projection of the ledger: replaying every subscription's ledger reproduces the
stored invoices and their PDFs byte for byte (the oracle); the PDF holds plan, amount and tax."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from cinemesh.billing.domain.invoices import project
from cinemesh.billing.http.invoice_pdf import render
from cinemesh.billing.store.repository import BillingStore
from cinemesh.billing.store.tables import subscriptions
from tests.integration.billing.harness import FAILS_LATER, GOOD, BillingHarness, running_billing

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgres"])
async def billing(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_url_factory: Callable[[str], str]
) -> AsyncIterator[BillingHarness]:
    url = postgres_url_factory("billing") if request.param == "postgres" else None
    async with running_billing(tmp_path, database_url=url) as harness:
        yield harness


async def test_replaying_the_ledger_reproduces_every_invoice_and_pdf(billing: BillingHarness) -> None:
    german, american = billing.account(country="DE"), billing.account(country="US")
    assert (await billing.checkout(german)).status_code == 201
    assert (await billing.checkout(american, plan="basic", card=FAILS_LATER)).status_code == 201  # trial
    trial_end = dt.datetime.fromisoformat((await billing.subscription(german))["trial_end"])
    await billing.renew(trial_end + dt.timedelta(minutes=1))  # german paid; american declined: past due
    upgrade = await billing.client.patch(
        "/api/v1/billing/subscription", json={"plan": "ultra"}, headers=german.auth
    )
    assert upgrade.status_code == 200, upgrade.text
    await billing.client.put("/api/v1/billing/payment-method", json=GOOD, headers=american.auth)  # recovery

    stored, served = {}, {}
    for account in (german, american):
        for invoice in (await billing.client.get("/api/v1/billing/invoices", headers=account.auth)).json():
            stored[invoice["id"]] = invoice
            pdf = await billing.client.get(invoice["pdf_url"], headers=account.auth)
            assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
            served[invoice["id"]] = pdf.content
    assert len(stored) == 3
    assert sorted(i["sequence"] for i in stored.values()) == [1, 2, 3]
    kinds = sorted(tuple(line["kind"] for line in i["lines"]) for i in stored.values())
    assert kinds == [("plan",), ("plan",), ("proration", "proration")]

    # the oracle: from the ledger alone
    replayed = {}
    async with billing.app.state.runtime.database.transaction() as session:
        store = BillingStore(session)
        rows = (
            await session.execute(sa.select(subscriptions.c.subscription_id, subscriptions.c.user_id))
        ).all()
        for subscription_id, user_id in rows:
            for invoice in project(await store.entries(subscription_id), user_id=user_id):
                replayed[invoice.invoice_id] = invoice
                assert await store.invoice(invoice.invoice_id) == invoice
    assert set(replayed) == set(served)
    for invoice_id, invoice in replayed.items():
        assert render(invoice, test_mode=True) == served[invoice_id]

    text = served[next(i for i, v in stored.items() if v["tax"] > 0 and v["lines"][0]["kind"] == "plan")]
    assert b"Standard plan" in text or b"Standard" in text
    other = await billing.client.get(next(iter(stored.values()))["pdf_url"], headers=billing.account().auth)
    assert other.status_code == 404
