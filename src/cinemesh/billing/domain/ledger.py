"""The subscription ledger: what happened to a subscription, one append-only entry at a time.

Every entry has an effective time (when it takes effect in the billing clock) and a recorded
time (when it was written), the entry that caused it, and an idempotency key unique within the
subscription (a retried command finds its entry instead of writing a second). The state of a
subscription, its entitlements and its invoices are folds of these entries (`state.fold`,
`invoices.project`), never stored facts of their own.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from cinemesh.billing.domain.coupons import CouponTerms
from cinemesh.billing.domain.data import Data as Data
from cinemesh.billing.domain.refund_entries import CreditNoteIssued as CreditNoteIssued
from cinemesh.billing.domain.refund_entries import RefundFailed as RefundFailed
from cinemesh.billing.domain.refund_entries import RefundRequested as RefundRequested
from cinemesh.billing.domain.refund_entries import RefundSucceeded as RefundSucceeded


class PaymentMethod(Data):
    """A payment method as billing keeps it: never the card number, only what a receipt shows."""

    type: Literal["credit_card", "gift_card"]
    provider_ref: str  # the provider's id of the method (`pm_...`)
    brand: str | None  # cards only
    last_four: str | None
    exp_month: int | None
    exp_year: int | None
    fingerprint: str  # the same card gives the same fingerprint: one trial per card

    @property
    def expiry(self) -> str | None:
        """MM/YY, as the seed schema has it (cards only)."""
        if self.exp_month is None or self.exp_year is None:
            return None
        return f"{self.exp_month:02d}/{self.exp_year % 100:02d}"


class PlanItem(Data):
    """A period of a plan at its price then (prices may change; invoices must not)."""

    kind: Literal["plan"] = "plan"
    plan: str
    unit_amount: int
    period_start: dt.datetime
    period_end: dt.datetime


class ProrationItem(Data):
    """An upgrade inside a paid period: the unused time of the old plan is credited and the rest
    of the period charged at the new plan's price, to the second."""

    kind: Literal["proration"] = "proration"
    from_plan: str
    to_plan: str
    from_amount: int
    to_amount: int
    remaining_seconds: int
    period_seconds: int
    period_end: dt.datetime


class CouponItem(Data):
    """A coupon's discount on the lines before it (never below zero)."""

    kind: Literal["coupon"] = "coupon"
    terms: CouponTerms


Item = Annotated[PlanItem | ProrationItem | CouponItem, Field(discriminator="kind")]


class Created(Data):
    kind: Literal["created"] = "created"
    user_id: str
    plan: str
    currency: str
    country: str | None
    payment_method: PaymentMethod


class TrialStarted(Data):
    kind: Literal["trial_started"] = "trial_started"
    trial_end: dt.datetime


class ChargeRequested(Data):
    """Written (and committed) before the provider is asked: a crash after the provider charged
    leaves this entry, and the next pass asks again with the same key, which the provider answers
    with the charge it already made."""

    kind: Literal["charge_requested"] = "charge_requested"
    charge_key: str
    reason: Literal["signup", "renewal", "upgrade", "retry", "recovery"]
    attempt: int
    amount: int
    currency: str
    country: str | None
    tax_rate_bp: int  # basis points: 2000 = 20 %
    items: tuple[Item, ...]
    period_start: dt.datetime  # the period the charge pays for
    period_end: dt.datetime


class PaymentSucceeded(Data):
    kind: Literal["payment_succeeded"] = "payment_succeeded"
    charge_key: str
    provider_charge_id: str
    amount: int


class ActionRequired(Data):
    """The customer must confirm the charge with their bank (3-D Secure) before it can be paid:
    the charge stays pending until they do, or until `expires_at` (then it is settled as failed)."""

    kind: Literal["action_required"] = "action_required"
    charge_key: str
    expires_at: dt.datetime


class PaymentFailed(Data):
    kind: Literal["payment_failed"] = "payment_failed"
    charge_key: str
    decline_code: str
    attempt: int


class InvoiceIssued(Data):
    """A paid charge's invoice: its gapless number and everything its lines are computed from."""

    kind: Literal["invoice_issued"] = "invoice_issued"
    invoice_id: str
    number: int
    charge_key: str
    currency: str
    country: str | None
    tax_rate_bp: int
    items: tuple[Item, ...]


class Activated(Data):
    kind: Literal["activated"] = "activated"
    period_start: dt.datetime
    period_end: dt.datetime


class Renewed(Data):
    kind: Literal["renewed"] = "renewed"
    plan: str
    period_start: dt.datetime
    period_end: dt.datetime


class PastDue(Data):
    kind: Literal["past_due"] = "past_due"
    attempt: int
    next_retry_at: dt.datetime


class Suspended(Data):
    kind: Literal["suspended"] = "suspended"


class Canceled(Data):
    kind: Literal["canceled"] = "canceled"
    reason: Literal["requested", "period_end", "unpaid"]


class CancelScheduled(Data):
    kind: Literal["cancel_scheduled"] = "cancel_scheduled"
    at: dt.datetime


class Paused(Data):
    kind: Literal["paused"] = "paused"
    remaining_seconds: int  # the paid time left, given back on resume


class Resumed(Data):
    kind: Literal["resumed"] = "resumed"
    period_end: dt.datetime | None  # a pause's new paid-through date; None when undoing a cancel


class PlanChanged(Data):
    kind: Literal["plan_changed"] = "plan_changed"
    from_plan: str
    plan: str


class PlanChangeScheduled(Data):
    kind: Literal["plan_change_scheduled"] = "plan_change_scheduled"
    plan: str
    at: dt.datetime


class DiscountApplied(Data):
    """A promotion code redeemed: its coupon's terms apply to the next charges."""

    kind: Literal["discount_applied"] = "discount_applied"
    code: str
    terms: CouponTerms


class PaymentMethodUpdated(Data):
    kind: Literal["payment_method_updated"] = "payment_method_updated"
    payment_method: PaymentMethod


EntryData = Annotated[
    Created
    | TrialStarted
    | ChargeRequested
    | PaymentSucceeded
    | PaymentFailed
    | ActionRequired
    | InvoiceIssued
    | Activated
    | Renewed
    | PastDue
    | Suspended
    | Canceled
    | CancelScheduled
    | Paused
    | Resumed
    | PlanChanged
    | PlanChangeScheduled
    | PaymentMethodUpdated
    | DiscountApplied
    | RefundRequested
    | RefundSucceeded
    | RefundFailed
    | CreditNoteIssued,
    Field(discriminator="kind"),
]
ENTRY_DATA: TypeAdapter[EntryData] = TypeAdapter(EntryData)


class Entry(BaseModel):
    """One ledger entry. `version` counts from 1 within the subscription."""

    model_config = ConfigDict(frozen=True)

    subscription_id: str
    version: int
    effective_at: dt.datetime
    recorded_at: dt.datetime
    causation: str | None  # what made it: a request id, a renewal pass, an earlier entry
    idempotency_key: str
    data: EntryData

    @property
    def kind(self) -> str:
        return self.data.kind
