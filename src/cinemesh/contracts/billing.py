"""Events the billing service publishes."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from cinemesh.contracts.events import EventContract

BILLING_TOPIC = "billing.subscription"
DOCUMENTS_TOPIC = "billing.documents"  # invoices and credit notes: what was charged and given back


class EntitlementsV1(BaseModel):
    """What the plan lets the account play: delivery enforces these."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    max_height: int
    concurrent_streams: int
    downloads: int


class PaymentMethodV1(BaseModel):
    """The seed schema's `payment_method`: never the card number."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    type: str
    last_four: str | None = None
    brand: str | None = None
    expiry: str | None = None  # MM/YY


class BillingSubscriptionChangedV1(EventContract):
    """The account's subscription as billing now holds it (published at every change of state).

    `status` is the seed schema's (active, canceled, expired, pending, suspended): what the
    account document shows and what delivery obeys (playback only when active).
    `billing_status` is billing's finer one (trialing, past_due, paused, ...). `version` is the
    ledger version: a consumer keeps the highest it has seen (events can be redelivered)."""

    event_type = "billing.subscription.changed.v1"
    topic = BILLING_TOPIC
    subject_field = "user_id"

    user_id: str
    subscription_id: str
    version: int
    tier: str
    status: str
    billing_status: str
    auto_renew: bool
    entitlements: EntitlementsV1
    current_period_end: dt.datetime | None
    changed_at: dt.datetime
    # The rest of the seed's `subscription` section (the users service's account document shows
    # it); absent from events published before they were added.
    start_date: dt.datetime | None = None
    next_billing_date: dt.datetime | None = None
    payment_method: PaymentMethodV1 | None = None
    # The plan's monthly list price before tax and discounts, in the subscription's currency
    # (minor units): what monthly recurring revenue sums. Absent from earlier events.
    monthly_amount: int | None = None
    currency: str | None = None


class BillingInvoiceIssuedV1(EventContract):
    """A paid charge's invoice (amounts in minor units; `subtotal` is before tax)."""

    event_type = "billing.invoice.issued.v1"
    topic = DOCUMENTS_TOPIC
    subject_field = "user_id"

    invoice_id: str
    user_id: str
    subscription_id: str
    number: int
    display_number: str  # as printed: CM-000042
    currency: str
    country: str | None
    subtotal: int
    tax: int
    total: int
    issued_at: dt.datetime


class BillingCreditNoteIssuedV1(EventContract):
    """A refund's credit note: what was given back (negative amounts, as on the document)."""

    event_type = "billing.credit_note.issued.v1"
    topic = DOCUMENTS_TOPIC
    subject_field = "user_id"

    credit_note_id: str
    invoice_id: str
    user_id: str
    subscription_id: str
    number: int
    display_number: str  # as printed: CN-000001
    invoice_number: str  # the invoice it credits, as printed
    currency: str
    subtotal: int
    tax: int
    total: int
    issued_at: dt.datetime
