"""Refunds and their credit notes. Pure: the use case loads the ledger and asks here.

A refund gives back part or all of a paid invoice, tax included, to the method that paid it (a
card through its provider, a gift card to its balance). Each refund issues a credit note with a
gapless number of its own sequence (`CN-000001`), carrying the share of tax the refunded amount
held on the invoice, so tax reports net out. A refund never changes the subscription's status:
an operator who also wants the service to stop cancels it as well.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from cinemesh.billing.domain import ledger as L
from cinemesh.billing.domain.errors import InvalidRefund, RefundNotAllowed
from cinemesh.billing.domain.invoices import Invoice, Line, display_number
from cinemesh.billing.domain.money import share
from cinemesh.billing.domain.payments import NO_CHARGE
from cinemesh.billing.domain.state import SubscriptionState, apply_all


@dataclass(frozen=True)
class CreditNote:
    credit_note_id: str
    number: int
    invoice_id: str
    invoice_number: int
    subscription_id: str
    user_id: str
    issued_at: dt.datetime
    currency: str
    country: str | None
    tax_rate_bp: int
    reason: str
    lines: tuple[Line, ...]
    subtotal: int  # negative: what the customer is credited
    tax: int
    total: int

    @property
    def display_number(self) -> str:
        return f"CN-{self.number:06d}"

    @property
    def invoice_display_number(self) -> str:
        return display_number(self.invoice_number)


def refund_key(subscription_id: str, key: str) -> str:
    """The provider's idempotency key of one refund command."""
    return f"{subscription_id}:refund:{key}"


def request_refund(
    entries: Sequence[L.Entry],
    invoice: Invoice,
    *,
    amount: int | None,
    reason: str,
    key: str,
) -> L.RefundRequested:
    """The refund of `amount` (default: what is left of the invoice) from the ledger it is in."""
    state = apply_all(None, entries)
    assert state is not None
    left = invoice.total - state.refunded_on(invoice.invoice_id)
    if left <= 0:
        raise RefundNotAllowed(f"Invoice {invoice.display_number} has nothing left to refund.")
    amount = left if amount is None else amount
    if not 0 < amount <= left:
        raise InvalidRefund(
            f"The refund must be between 1 and {left} (minor units left on {invoice.display_number}).",
            field="amount",
        )
    charge_id, method = _payment_of(entries, invoice.invoice_id)
    if charge_id == NO_CHARGE:
        raise RefundNotAllowed(f"Invoice {invoice.display_number} was not paid through a provider.")
    return L.RefundRequested(
        refund_key=refund_key(invoice.subscription_id, key),
        invoice_id=invoice.invoice_id,
        method=method.type,
        payment_ref=method.provider_ref,
        provider_charge_id=charge_id,
        amount=amount,
        currency=invoice.currency,
        reason=reason,
    )


def _payment_of(entries: Sequence[L.Entry], invoice_id: str) -> tuple[str, L.PaymentMethod]:
    """The provider charge that paid the invoice, and the method it was made on."""
    state: SubscriptionState | None = None
    paid: dict[str, str] = {}  # charge key -> provider charge id
    for entry in entries:
        data = entry.data
        if isinstance(data, L.PaymentSucceeded):
            paid[data.charge_key] = data.provider_charge_id
        if isinstance(data, L.InvoiceIssued) and data.invoice_id == invoice_id:
            assert state is not None
            return paid[data.charge_key], state.payment_method
        state = apply_all(state, [entry])
    raise RefundNotAllowed("The invoice is not in its subscription's ledger.")


def settle_refund(
    request: L.RefundRequested,
    invoice: Invoice,
    *,
    provider_refund_id: str | None,
    failure_code: str | None,
    credit_note_id: str,
    credit_note_number: int | None,
) -> list[L.Data]:
    """What the provider's answer appends: the refund and its credit note, or the failure."""
    if provider_refund_id is None or credit_note_number is None:
        return [L.RefundFailed(refund_key=request.refund_key, failure_code=failure_code or "refund_failed")]
    return [
        L.RefundSucceeded(
            refund_key=request.refund_key,
            provider_refund_id=provider_refund_id,
            invoice_id=request.invoice_id,
            amount=request.amount,
        ),
        L.CreditNoteIssued(
            credit_note_id=credit_note_id,
            number=credit_note_number,
            refund_key=request.refund_key,
            invoice_id=invoice.invoice_id,
            invoice_number=invoice.number,
            amount=request.amount,
            tax=share(invoice.tax, request.amount, invoice.total),  # the whole invoice: its tax exactly
            currency=invoice.currency,
            country=invoice.country,
            tax_rate_bp=invoice.tax_rate_bp,
            reason=request.reason,
        ),
    ]


def credit_note_of(entry: L.Entry, *, user_id: str) -> CreditNote:
    """A credit note from its ledger entry alone: replaying the ledger gives the same document."""
    issued = entry.data
    assert isinstance(issued, L.CreditNoteIssued)
    net = issued.amount - issued.tax
    invoice_number = display_number(issued.invoice_number)
    return CreditNote(
        credit_note_id=issued.credit_note_id,
        number=issued.number,
        invoice_id=issued.invoice_id,
        invoice_number=issued.invoice_number,
        subscription_id=entry.subscription_id,
        user_id=user_id,
        issued_at=entry.effective_at,
        currency=issued.currency,
        country=issued.country,
        tax_rate_bp=issued.tax_rate_bp,
        reason=issued.reason,
        lines=(Line("refund", f"Refund of invoice {invoice_number}: {issued.reason}", -net),),
        subtotal=-net,
        tax=-issued.tax,
        total=-issued.amount,
    )
