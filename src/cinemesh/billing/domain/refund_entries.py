"""The ledger entries of a refund: requested (before the provider is asked), then succeeded with
its credit note, or failed. Part of the ledger (`ledger.EntryData`); `refunds.py` decides them."""

from __future__ import annotations

from typing import Literal

from cinemesh.billing.domain.data import Data


class RefundRequested(Data):
    """Written (and committed) before the provider is asked, as a charge is: a crash after the
    provider refunded leaves it pending, and the next refund on the subscription asks again with
    the same key, which the provider answers with the refund it already made."""

    kind: Literal["refund_requested"] = "refund_requested"
    refund_key: str
    invoice_id: str
    method: Literal["credit_card", "gift_card"]  # how the invoice was paid: who gives it back
    payment_ref: str  # the method's provider id (a gift card's id)
    provider_charge_id: str
    amount: int  # minor units, tax included
    currency: str
    reason: str


class RefundSucceeded(Data):
    kind: Literal["refund_succeeded"] = "refund_succeeded"
    refund_key: str
    provider_refund_id: str
    invoice_id: str
    amount: int


class RefundFailed(Data):
    kind: Literal["refund_failed"] = "refund_failed"
    refund_key: str
    failure_code: str


class CreditNoteIssued(Data):
    """A refund's credit note: its gapless number and everything its lines are computed from."""

    kind: Literal["credit_note_issued"] = "credit_note_issued"
    credit_note_id: str
    number: int
    refund_key: str
    invoice_id: str
    invoice_number: int
    amount: int  # tax included
    tax: int  # the share of `amount` that was tax on the invoice
    currency: str
    country: str | None
    tax_rate_bp: int
    reason: str
