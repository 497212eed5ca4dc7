"""Refunds: an operator gives back part or all of a paid invoice; each refund issues a credit note
(a gapless sequence of its own) carrying the tax share, money goes back once per Idempotency-Key,
and only the account's owner sees its credit notes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from cinemesh.billing.domain.money import share
from cinemesh.billing.domain.payments import RefundResult
from cinemesh.billing.domain.refunds import credit_note_of
from cinemesh.billing.http.invoice_pdf import render
from cinemesh.billing.providers.gift_cards import card_id_of
from cinemesh.billing.providers.sandbox import SandboxProvider
from cinemesh.billing.settings import BillingSettings
from cinemesh.billing.store.repository import BillingStore
from cinemesh.contracts.billing import DOCUMENTS_TOPIC
from cinemesh.platform.db import Database
from cinemesh.platform.events.outbox import outbox_table
from tests.integration.billing.harness import Account, BillingHarness, running_billing

pytestmark = pytest.mark.integration
STANDARD_DE = 1299 + 247  # Standard in Germany, 19 % VAT


@pytest.fixture(params=["sqlite", "postgres"])
async def billing(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_url_factory: Callable[[str], str]
) -> AsyncIterator[BillingHarness]:
    url = postgres_url_factory("billing") if request.param == "postgres" else None
    async with running_billing(tmp_path, database_url=url, billing=BillingSettings(trial_days=0)) as harness:
        yield harness


async def paid_invoice(billing: BillingHarness, account: Account) -> dict[str, Any]:
    assert (await billing.checkout(account)).status_code == 201
    [invoice] = (await billing.client.get("/api/v1/billing/invoices", headers=account.auth)).json()
    assert invoice["total"] == STANDARD_DE
    return dict(invoice)


async def refund(
    billing: BillingHarness,
    invoice_id: str,
    body: dict[str, Any],
    *,
    key: str | None,
    auth: dict[str, str] | None = None,
) -> httpx.Response:
    headers = {**(auth or billing.admin), **({"Idempotency-Key": key} if key else {})}
    return await billing.client.post(
        f"/api/v1/admin/billing/invoices/{invoice_id}/refunds", json=body, headers=headers
    )


async def test_partial_then_full_refund_issues_two_credit_notes(billing: BillingHarness) -> None:
    viewer = billing.account(country="DE")
    invoice = await paid_invoice(billing, viewer)

    first = await refund(billing, invoice["id"], {"amount": 500, "reason": "Outage on 1 May"}, key="r-1")
    assert first.status_code == 201, first.text
    note = first.json()
    assert note["number"] == "CN-000001" and note["invoice_number"] == invoice["number"]
    assert note["total"] == -500 and note["tax"] == -share(247, 500, STANDARD_DE)
    assert note["subtotal"] + note["tax"] == note["total"]

    replay = await refund(billing, invoice["id"], {"amount": 500, "reason": "Outage on 1 May"}, key="r-1")
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == note["id"]
    other_body = await refund(billing, invoice["id"], {"amount": 400, "reason": "Outage on 1 May"}, key="r-1")
    assert other_body.status_code == 409 and other_body.json()["type"].endswith("idempotency-key-reused")

    too_much = await refund(billing, invoice["id"], {"amount": STANDARD_DE, "reason": "all"}, key="r-2")
    assert too_much.status_code == 422, too_much.text
    assert too_much.json()["errors"][0]["field"] == "amount"

    rest = await refund(billing, invoice["id"], {"reason": "Canceled by support"}, key="r-3")
    assert rest.status_code == 201, rest.text
    second = rest.json()
    assert second["number"] == "CN-000002" and second["total"] == -(STANDARD_DE - 500)
    assert note["tax"] + second["tax"] == -247  # the whole invoice's tax, to the cent

    nothing_left = await refund(billing, invoice["id"], {"reason": "again"}, key="r-4")
    assert nothing_left.status_code == 409 and nothing_left.json()["type"].endswith("refund-not-allowed")

    provider = billing.app.state.context.refunds.provider.cards
    entries = (
        await billing.client.get(
            f"/api/v1/admin/billing/accounts/{viewer.user_id}/ledger", headers=billing.admin
        )
    ).json()
    [charge_id] = [e["data"]["provider_charge_id"] for e in entries if e["kind"] == "payment_succeeded"]
    assert await provider.refunds_of(charge_id) == STANDARD_DE  # money went back once per refund
    kinds = [e["kind"] for e in entries]
    assert kinds.count("refund_requested") == 2 and kinds.count("credit_note_issued") == 2
    assert entries[-1]["kind"] == "credit_note_issued"
    state = await billing.subscription(viewer)
    assert state["billing_status"] == "active"  # a refund alone does not end the service

    # the oracle: the credit notes again from the ledger alone, the same documents and PDF bytes
    async with billing.app.state.runtime.database.transaction() as session:
        store = BillingStore(session)
        ledger = await store.entries(state["subscription_id"])
        replayed = [
            credit_note_of(e, user_id=viewer.user_id) for e in ledger if e.kind == "credit_note_issued"
        ]
        assert replayed == await store.credit_notes_of(viewer.user_id)
        # what analytics' revenue sums: the invoice and both credit notes, published by the outbox
        topic = await session.execute(
            sa.select(outbox_table.c.payload).where(outbox_table.c.topic == DOCUMENTS_TOPIC)
        )
        published = [json.loads(payload) for payload in topic.scalars()]
    assert sorted(p["type"] for p in published) == ["billing.credit_note.issued.v1"] * 2 + [
        "billing.invoice.issued.v1"
    ]
    assert sum(p["data"]["total"] for p in published) == 0  # everything was given back
    for document in replayed:
        served = await billing.client.get(
            f"/api/v1/billing/credit-notes/{document.credit_note_id}/pdf", headers=viewer.auth
        )
        assert served.content == render(document, test_mode=True)


async def test_only_the_owner_sees_credit_notes_and_only_admins_refund(billing: BillingHarness) -> None:
    viewer, stranger = billing.account(country="DE"), billing.account(country="DE")
    invoice = await paid_invoice(billing, viewer)
    refused = await refund(billing, invoice["id"], {"reason": "mine"}, key="v-1", auth=viewer.auth)
    assert refused.status_code == 403
    no_key = await refund(billing, invoice["id"], {"reason": "no key"}, key=None)
    assert no_key.status_code == 422 and "Idempotency-Key" in no_key.text
    unknown = await refund(billing, "00000000-0000-0000-0000-000000000000", {"reason": "x"}, key="u-1")
    assert unknown.status_code == 404
    nul = await refund(billing, invoice["id"], {"reason": "a\u0000b"}, key="n-1")
    assert nul.status_code == 422 and nul.json()["errors"][0]["field"] == "reason"
    huge = await refund(billing, invoice["id"], {"reason": "x" * 10_000}, key="h-1")
    assert huge.status_code == 422 and huge.json()["errors"][0]["field"] == "reason"

    made = await refund(billing, invoice["id"], {"amount": 100, "reason": "Größe 💸"}, key="a-1")
    assert made.status_code == 201, made.text
    note = made.json()
    mine = (await billing.client.get("/api/v1/billing/credit-notes", headers=viewer.auth)).json()
    assert [n["id"] for n in mine] == [note["id"]] and mine[0]["reason"] == "Größe 💸"
    pdf = await billing.client.get(note["pdf_url"], headers=viewer.auth)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert b"Credit note CN-000001" in pdf.content and invoice["number"].encode() in pdf.content
    for path in (note["pdf_url"], f"/api/v1/billing/credit-notes/{note['id']}"):
        assert (await billing.client.get(path, headers=stranger.auth)).status_code == 404
    assert (await billing.client.get("/api/v1/billing/credit-notes", headers=stranger.auth)).json() == []
    listed = await billing.client.get(
        f"/api/v1/admin/billing/accounts/{viewer.user_id}/credit-notes", headers=billing.admin
    )
    assert [n["id"] for n in listed.json()] == [note["id"]]
    invoices = await billing.client.get(
        f"/api/v1/admin/billing/accounts/{viewer.user_id}/invoices", headers=billing.admin
    )
    assert [i["id"] for i in invoices.json()] == [invoice["id"]]
    for path in (f"/api/v1/admin/billing/accounts/{viewer.user_id}/invoices", listed.request.url.path):
        assert (await billing.client.get(path, headers=viewer.auth)).status_code == 403


class DiesAfterRefunding(SandboxProvider):
    """Refunds, then dies before the answer reaches billing, once."""

    def __init__(self, database: Database) -> None:
        super().__init__(database)
        self.deaths = 0

    async def refund(
        self, *, charge_id: str, amount: int, currency: str, idempotency_key: str
    ) -> RefundResult:
        result = await super().refund(
            charge_id=charge_id, amount=amount, currency=currency, idempotency_key=idempotency_key
        )
        if self.deaths == 0:
            self.deaths += 1
            raise ConnectionError("killed between the provider's refund and our record")
        return result


async def test_a_refund_killed_after_the_provider_gives_back_once(tmp_path: Path) -> None:
    options = BillingSettings(trial_days=0)
    async with running_billing(tmp_path, billing=options, provider_factory=DiesAfterRefunding) as billing:
        viewer = billing.account(country="DE")
        invoice = await paid_invoice(billing, viewer)
        crashed = await refund(billing, invoice["id"], {"amount": 300, "reason": "crash"}, key="c-1")
        assert crashed.status_code == 500  # the process "died": the platform answered for it
        ledger = f"/api/v1/admin/billing/accounts/{viewer.user_id}/ledger"
        assert (await billing.client.get(ledger, headers=billing.admin)).json()[-1][
            "kind"
        ] == "refund_requested"
        # Another refund on the subscription settles the pending one first, then makes its own.
        other = await refund(billing, invoice["id"], {"amount": 200, "reason": "second"}, key="c-2")
        assert other.status_code == 201, other.text
        retried = await refund(billing, invoice["id"], {"amount": 300, "reason": "crash"}, key="c-1")
        assert retried.status_code == 201, retried.text
        notes = (await billing.client.get("/api/v1/billing/credit-notes", headers=viewer.auth)).json()
        assert sorted(n["total"] for n in notes) == [-300, -200] and len({n["sequence"] for n in notes}) == 2
        entries = (await billing.client.get(ledger, headers=billing.admin)).json()
        [charge_id] = [e["data"]["provider_charge_id"] for e in entries if e["kind"] == "payment_succeeded"]
        assert await billing.app.state.context.refunds.provider.cards.refunds_of(charge_id) == 500


async def test_a_gift_card_refund_goes_back_on_the_card(tmp_path: Path) -> None:
    async with running_billing(tmp_path, billing=BillingSettings(trial_days=0)) as billing:
        issued = await billing.client.post(
            "/api/v1/admin/billing/gift-cards",
            json={"amount": 5000, "currency": "EUR"},
            headers=billing.admin,
        )
        code = issued.json()["code"]
        viewer = billing.account(country="DE")
        assert (await billing.checkout(viewer, card={"type": "gift_card", "code": code})).status_code == 201
        gift_cards = billing.app.state.context.gift_cards
        assert await gift_cards.balance(card_id_of(code)) == 5000 - STANDARD_DE
        [invoice] = (await billing.client.get("/api/v1/billing/invoices", headers=viewer.auth)).json()
        made = await refund(billing, invoice["id"], {"reason": "goodwill"}, key="g-1")
        assert made.status_code == 201, made.text
        again = await refund(billing, invoice["id"], {"reason": "goodwill"}, key="g-1")
        assert again.json()["id"] == made.json()["id"]
        assert await gift_cards.balance(card_id_of(code)) == 5000  # back once
        assert await billing.charges() == 0  # the card provider was never asked
