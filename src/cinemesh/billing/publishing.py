"""What billing emits: the account's subscription after each change that a consumer can see, and
every invoice and credit note (what analytics' revenue sums)."""

from __future__ import annotations

import datetime as dt

from cinemesh.billing.domain.invoices import Invoice
from cinemesh.billing.domain.plans import PLANS, Plan
from cinemesh.billing.domain.refunds import CreditNote
from cinemesh.billing.domain.state import SubscriptionState
from cinemesh.contracts.billing import (
    BillingCreditNoteIssuedV1,
    BillingInvoiceIssuedV1,
    BillingSubscriptionChangedV1,
    EntitlementsV1,
    PaymentMethodV1,
)

SOURCE = "billing"


def visible(state: SubscriptionState | None) -> tuple[object, ...]:
    """The part of a state the event carries: a change here is published, nothing else is."""
    if state is None:
        return ()
    method = state.payment_method
    return (
        state.plan,
        state.status,
        state.cancel_at_period_end,
        state.period_end,
        state.subscription_id,
        state.next_retry_at,
        (method.type, method.last_four, method.brand, method.expiry),
    )


def subscription_changed(state: SubscriptionState) -> BillingSubscriptionChangedV1:
    entitlements, method = state.entitlements, state.payment_method
    return BillingSubscriptionChangedV1(
        user_id=state.user_id,
        subscription_id=state.subscription_id,
        version=state.version,
        tier=state.plan,
        status=state.account_status,
        billing_status=state.status,
        auto_renew=state.auto_renew,
        entitlements=EntitlementsV1(
            max_height=entitlements.max_height,
            concurrent_streams=entitlements.concurrent_streams,
            downloads=entitlements.downloads,
        ),
        current_period_end=state.period_end,
        changed_at=state.updated_at or state.created_at,
        start_date=state.created_at,
        next_billing_date=state.next_billing_date,
        payment_method=PaymentMethodV1(
            type=method.type, last_four=method.last_four, brand=method.brand, expiry=method.expiry
        ),
        monthly_amount=PLANS[state.plan].prices.get(state.currency),
        currency=state.currency,
    )


def invoice_issued(invoice: Invoice) -> BillingInvoiceIssuedV1:
    return BillingInvoiceIssuedV1(
        invoice_id=invoice.invoice_id, user_id=invoice.user_id, subscription_id=invoice.subscription_id,
        number=invoice.number, display_number=invoice.display_number, currency=invoice.currency,
        country=invoice.country, subtotal=invoice.subtotal, tax=invoice.tax, total=invoice.total,
        issued_at=invoice.issued_at,
    )  # fmt: skip


def credit_note_issued(note: CreditNote) -> BillingCreditNoteIssuedV1:
    return BillingCreditNoteIssuedV1(
        credit_note_id=note.credit_note_id, invoice_id=note.invoice_id, user_id=note.user_id,
        subscription_id=note.subscription_id, number=note.number, display_number=note.display_number,
        invoice_number=note.invoice_display_number, currency=note.currency,
        subtotal=note.subtotal, tax=note.tax, total=note.total, issued_at=note.issued_at,
    )  # fmt: skip


def free_plan_granted(*, user_id: str, plan: Plan, at: dt.datetime) -> BillingSubscriptionChangedV1:
    """Free mode: a new account has the configured plan, active, with its entitlements."""
    entitlements = plan.entitlements
    return BillingSubscriptionChangedV1(
        user_id=user_id,
        subscription_id="free",
        version=0,
        tier=plan.id,
        status="active",
        billing_status="free",
        auto_renew=True,
        entitlements=EntitlementsV1(
            max_height=entitlements.max_height,
            concurrent_streams=entitlements.concurrent_streams,
            downloads=entitlements.downloads,
        ),
        current_period_end=None,
        changed_at=at,
    )
