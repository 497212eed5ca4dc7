"""A subscription's state: a pure fold of its ledger entries (`fold`). No I/O.

Billing's statuses are finer than the seed schema's (`account_status` maps them): a trial and a
subscription in dunning still play; a paused, suspended or canceled one does not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Literal

from cinemesh.billing.domain import ledger as L
from cinemesh.billing.domain.coupons import CouponTerms
from cinemesh.billing.domain.plans import PLANS, Entitlements

Status = Literal["pending", "trialing", "active", "past_due", "paused", "suspended", "canceled"]
AccountStatus = Literal["active", "canceled", "expired", "pending", "suspended"]

_ACCOUNT_STATUS: dict[str, AccountStatus] = {
    "pending": "pending",
    "trialing": "active",
    "active": "active",
    "past_due": "active",  # access continues while the retries run (Stripe's default)
    "paused": "suspended",
    "suspended": "suspended",
    "canceled": "canceled",
}


@dataclass(frozen=True)
class SubscriptionState:
    subscription_id: str
    user_id: str
    plan: str
    currency: str
    country: str | None
    status: Status
    created_at: dt.datetime
    payment_method: L.PaymentMethod
    version: int = 0
    trial_end: dt.datetime | None = None
    period_start: dt.datetime | None = None
    period_end: dt.datetime | None = None  # paid (or trial) through
    cancel_at_period_end: bool = False
    scheduled_plan: str | None = None
    failed_attempts: int = 0
    next_retry_at: dt.datetime | None = None
    pending_charge: L.ChargeRequested | None = None
    awaiting_action_until: dt.datetime | None = None  # the pending charge waits for 3-D Secure
    paused_remaining_seconds: int | None = None
    suspended_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    invoices: int = 0
    pending_refund: L.RefundRequested | None = None
    refunded: tuple[tuple[str, int], ...] = ()  # (invoice id, amount given back), in order
    credit_notes: int = 0
    discount: CouponTerms | None = None
    discount_used: int = 0  # charges the discount has been applied to
    updated_at: dt.datetime | None = None

    def refunded_on(self, invoice_id: str) -> int:
        """How much of an invoice has been given back (minor units, tax included)."""
        return sum(amount for invoice, amount in self.refunded if invoice == invoice_id)

    @property
    def account_status(self) -> AccountStatus:
        """The seed schema's status (what users shows and delivery obeys)."""
        return _ACCOUNT_STATUS[self.status]

    @property
    def entitlements(self) -> Entitlements:
        return PLANS[self.plan].entitlements

    def active_discount(self) -> CouponTerms | None:
        """The coupon the next charge gets, if its duration is not used up."""
        if self.discount is None:
            return None
        periods = self.discount.periods()
        return self.discount if periods is None or self.discount_used < periods else None

    @property
    def auto_renew(self) -> bool:
        """Whether it will be charged again (the seed schema's `auto_renew`)."""
        return self.status in ("trialing", "active", "past_due") and not self.cancel_at_period_end

    @property
    def next_billing_date(self) -> dt.datetime | None:
        if not self.auto_renew:
            return None
        return self.next_retry_at if self.status == "past_due" else self.period_end

    @property
    def is_live(self) -> bool:
        """Not over: a new checkout is refused while one is live."""
        return self.status not in ("pending", "canceled")


_FIELDS = frozenset(field.name for field in fields(SubscriptionState))


def replace(state: SubscriptionState, **changes: object) -> SubscriptionState:
    """`dataclasses.replace` without `__init__`: that sets each of the 25 fields through
    `object.__setattr__` (frozen), and the fold replaces twice per entry, which made folding the
    largest cost of a renewal pass."""
    unknown = changes.keys() - _FIELDS
    if unknown:
        raise TypeError(f"SubscriptionState has no field {sorted(unknown)}")
    copy = object.__new__(SubscriptionState)
    copy.__dict__.update(state.__dict__)
    copy.__dict__.update(changes)
    return copy


def _apply(state: SubscriptionState | None, entry: L.Entry) -> SubscriptionState:
    data = entry.data
    if isinstance(data, L.Created):
        return SubscriptionState(
            subscription_id=entry.subscription_id,
            user_id=data.user_id,
            plan=data.plan,
            currency=data.currency,
            country=data.country,
            status="pending",
            created_at=entry.effective_at,
            payment_method=data.payment_method,
        )
    if state is None:
        raise ValueError(f"the ledger of {entry.subscription_id} does not start with 'created'")
    changed = _money(state, data)
    if changed is None:
        changed = _lifecycle(state, data, entry.effective_at)
    if changed is None:
        raise ValueError(f"unknown ledger entry {data.kind}")
    return changed


def _money(state: SubscriptionState, data: L.Data) -> SubscriptionState | None:
    """Payments, invoices, plans and payment methods."""
    match data:
        case L.ChargeRequested():
            return replace(state, pending_charge=data)
        case L.PaymentSucceeded():
            return replace(
                state, pending_charge=None, awaiting_action_until=None, failed_attempts=0, next_retry_at=None
            )
        case L.PaymentFailed():
            return replace(
                state, pending_charge=None, awaiting_action_until=None, failed_attempts=data.attempt
            )
        case L.ActionRequired():
            return replace(state, awaiting_action_until=data.expires_at)
        case L.InvoiceIssued():
            discounted = any(isinstance(item, L.CouponItem) for item in data.items)
            return replace(
                state, invoices=state.invoices + 1, discount_used=state.discount_used + int(discounted)
            )
        case L.DiscountApplied():
            return replace(state, discount=data.terms, discount_used=0)
        case L.PlanChanged():
            return replace(state, plan=data.plan, scheduled_plan=None)
        case L.PlanChangeScheduled():
            return replace(state, scheduled_plan=data.plan)
        case L.PaymentMethodUpdated():
            return replace(state, payment_method=data.payment_method)
    return _refunds(state, data)


def _refunds(state: SubscriptionState, data: L.Data) -> SubscriptionState | None:
    match data:
        case L.RefundRequested():
            return replace(state, pending_refund=data)
        case L.RefundSucceeded():
            refunded = (*state.refunded, (data.invoice_id, data.amount))
            return replace(state, pending_refund=None, refunded=refunded)
        case L.RefundFailed():
            return replace(state, pending_refund=None)
        case L.CreditNoteIssued():
            return replace(state, credit_notes=state.credit_notes + 1)
    return None


def _lifecycle(state: SubscriptionState, data: L.Data, at: dt.datetime) -> SubscriptionState | None:
    """Status and period changes."""
    match data:
        case L.TrialStarted():
            return replace(
                state, status="trialing", trial_end=data.trial_end, period_start=at, period_end=data.trial_end
            )
        case L.Activated() | L.Renewed():
            plan = data.plan if isinstance(data, L.Renewed) else state.plan
            return replace(
                state,
                status="active",
                plan=plan,
                scheduled_plan=None if isinstance(data, L.Renewed) else state.scheduled_plan,
                period_start=data.period_start,
                period_end=data.period_end,
                suspended_at=None,
                next_retry_at=None,
            )
        case L.PastDue():
            return replace(state, status="past_due", next_retry_at=data.next_retry_at)
        case L.Suspended():
            return replace(state, status="suspended", suspended_at=at, next_retry_at=None)
        case L.Canceled():
            return replace(
                state, status="canceled", ended_at=at, cancel_at_period_end=False, next_retry_at=None
            )
        case L.CancelScheduled():
            return replace(state, cancel_at_period_end=True)
        case L.Paused():
            return replace(state, status="paused", paused_remaining_seconds=data.remaining_seconds)
        case L.Resumed():
            if data.period_end is not None:  # back from a pause with the paid time it had left
                return replace(
                    state, status="active", period_end=data.period_end, paused_remaining_seconds=None
                )
            return replace(state, cancel_at_period_end=False)
    return None


def apply_all(state: SubscriptionState | None, entries: Iterable[L.Entry]) -> SubscriptionState | None:
    """`state` after `entries` (the next versions of its ledger)."""
    for entry in entries:
        state = _apply(state, entry)
        state = replace(state, version=entry.version, updated_at=entry.effective_at)
    return state


def fold(entries: Iterable[L.Entry]) -> SubscriptionState | None:
    """The state after every entry, in version order; None for an empty ledger."""
    return apply_all(None, entries)
