"""Billing's decisions: given a subscription's state and the time, which entries to append.

Pure functions: the use cases load the state, ask here, and append what comes back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from cinemesh.billing.domain import ledger as L
from cinemesh.billing.domain.coupons import CouponTerms
from cinemesh.billing.domain.errors import InvalidTransition, PlanNotFound, SamePlan
from cinemesh.billing.domain.invoices import totals
from cinemesh.billing.domain.money import add_months, seconds_between
from cinemesh.billing.domain.plans import PLANS, Plan
from cinemesh.billing.domain.state import SubscriptionState

Action = Literal["settle", "charge", "expire", "cancel"]


@dataclass(frozen=True)
class DunningPolicy:
    """Stripe-like default: 4 tries over 2 weeks (at the renewal, then 3, 7 and 14 days after),
    then suspended; canceled when still unpaid `cancel_after` the suspension."""

    retry_after: tuple[dt.timedelta, ...] = (
        dt.timedelta(days=3),
        dt.timedelta(days=7),
        dt.timedelta(days=14),
    )
    cancel_after: dt.timedelta = dt.timedelta(days=30)

    @property
    def max_attempts(self) -> int:
        return 1 + len(self.retry_after)


def plan_or_refuse(plan_id: str) -> Plan:
    plan = PLANS.get(plan_id)
    if plan is None:
        raise PlanNotFound(f"There is no plan {plan_id!r}; choose one of {', '.join(PLANS)}.", field="plan")
    return plan


def charge_key(subscription_id: str, period_start: dt.datetime, reason: str, attempt: int) -> str:
    """The provider's idempotency key: one charge per subscription, period, reason and attempt."""
    return f"{subscription_id}:{period_start.isoformat()}:{reason}:{attempt}"


def _request(
    *,
    subscription_id: str,
    reason: Literal["signup", "renewal", "upgrade", "retry", "recovery"],
    attempt: int,
    currency: str,
    country: str | None,
    tax_rate_bp: int,
    items: tuple[L.PlanItem | L.ProrationItem | L.CouponItem, ...],
    period_start: dt.datetime,
    period_end: dt.datetime,
) -> L.ChargeRequested:
    return L.ChargeRequested(
        charge_key=charge_key(subscription_id, period_start, reason, attempt),
        reason=reason,
        attempt=attempt,
        amount=totals(items, tax_rate_bp).total,
        currency=currency,
        country=country,
        tax_rate_bp=tax_rate_bp,
        items=items,
        period_start=period_start,
        period_end=period_end,
    )


def _with_discount(item: L.PlanItem, discount: CouponTerms | None) -> tuple[L.PlanItem | L.CouponItem, ...]:
    return (item,) if discount is None else (item, L.CouponItem(terms=discount))


def signup_charge(
    *,
    subscription_id: str,
    plan: Plan,
    currency: str,
    country: str | None,
    tax_rate_bp: int,
    now: dt.datetime,
    discount: CouponTerms | None = None,
) -> L.ChargeRequested:
    end = add_months(now)
    item = L.PlanItem(plan=plan.id, unit_amount=plan.price(currency), period_start=now, period_end=end)
    return _request(
        subscription_id=subscription_id, reason="signup", attempt=1, currency=currency, country=country,
        tax_rate_bp=tax_rate_bp, items=_with_discount(item, discount), period_start=now, period_end=end,
    )  # fmt: skip


def period_charge(
    state: SubscriptionState, *, now: dt.datetime, tax_rate_bp: int, recovery: bool = False
) -> L.ChargeRequested:
    """The charge for the next period: a renewal, a dunning retry, or (card updated) a recovery."""
    assert state.period_end is not None
    plan = PLANS[state.scheduled_plan or state.plan]
    start = now if state.status == "suspended" else state.period_end
    if recovery:
        reason: Literal["renewal", "retry", "recovery"] = "recovery"
        attempt = state.failed_attempts
        # a recovery's key must differ from the retries', and from an earlier recovery's
        start_key = now
    else:
        reason = "retry" if state.status == "past_due" else "renewal"
        attempt = state.failed_attempts + 1
        start_key = start
    end = add_months(start)
    item = L.PlanItem(
        plan=plan.id, unit_amount=plan.price(state.currency), period_start=start, period_end=end
    )
    request = _request(
        subscription_id=state.subscription_id, reason=reason, attempt=attempt, currency=state.currency,
        country=state.country, tax_rate_bp=tax_rate_bp, items=_with_discount(item, state.active_discount()),
        period_start=start, period_end=end,
    )  # fmt: skip
    key = charge_key(state.subscription_id, start_key, reason, attempt)
    return request.model_copy(update={"charge_key": key})


def upgrade_charge(
    state: SubscriptionState, *, plan: Plan, now: dt.datetime, tax_rate_bp: int
) -> L.ChargeRequested:
    """The rest of the paid period at the new plan's price minus the unused old plan, to the second."""
    assert state.period_start is not None and state.period_end is not None
    old = PLANS[state.plan]
    item = L.ProrationItem(
        from_plan=old.id,
        to_plan=plan.id,
        from_amount=old.price(state.currency),
        to_amount=plan.price(state.currency),
        remaining_seconds=seconds_between(now, state.period_end),
        period_seconds=max(1, seconds_between(state.period_start, state.period_end)),
        period_end=state.period_end,
    )
    return _request(
        subscription_id=state.subscription_id, reason="upgrade", attempt=1, currency=state.currency,
        country=state.country, tax_rate_bp=tax_rate_bp, items=(item,), period_start=now,
        period_end=state.period_end,
    )  # fmt: skip


def settle(
    state: SubscriptionState,
    request: L.ChargeRequested,
    *,
    provider_charge_id: str | None,
    decline_code: str | None,
    invoice_id: str,
    invoice_number: int | None,
    policy: DunningPolicy,
) -> list[L.Data]:
    """The entries a provider's answer to `request` leads to (`provider_charge_id` set = paid)."""
    if provider_charge_id is not None:
        assert invoice_number is not None
        paid: list[L.Data] = [
            L.PaymentSucceeded(
                charge_key=request.charge_key, provider_charge_id=provider_charge_id, amount=request.amount
            ),
            L.InvoiceIssued(
                invoice_id=invoice_id, number=invoice_number, charge_key=request.charge_key,
                currency=request.currency, country=request.country, tax_rate_bp=request.tax_rate_bp,
                items=request.items,
            ),
        ]  # fmt: skip
        first = request.items[0]
        if request.reason == "signup":
            paid.append(L.Activated(period_start=request.period_start, period_end=request.period_end))
        elif request.reason == "upgrade":
            assert isinstance(first, L.ProrationItem)
            paid.append(L.PlanChanged(from_plan=first.from_plan, plan=first.to_plan))
        else:
            assert isinstance(first, L.PlanItem)
            paid.append(
                L.Renewed(plan=first.plan, period_start=request.period_start, period_end=request.period_end)
            )
        return paid
    failed: list[L.Data] = [
        L.PaymentFailed(
            charge_key=request.charge_key,
            decline_code=decline_code or "card_declined",
            attempt=request.attempt if request.reason in ("renewal", "retry") else state.failed_attempts,
        )
    ]
    if request.reason in ("renewal", "retry"):
        if request.attempt >= policy.max_attempts:
            failed.append(L.Suspended())
        else:
            retry_at = request.period_start + policy.retry_after[request.attempt - 1]
            failed.append(L.PastDue(attempt=request.attempt, next_retry_at=retry_at))
    return failed


def due(state: SubscriptionState, *, now: dt.datetime, policy: DunningPolicy) -> Action | None:
    """What the renewal pass owes this subscription as of `now`, if anything."""
    if state.pending_charge is not None:
        return "settle"  # a charge was asked for and its answer not recorded: ask again, same key
    if state.status in ("trialing", "active") and state.period_end is not None and state.period_end <= now:
        return "expire" if state.cancel_at_period_end else "charge"
    if state.status == "past_due" and state.next_retry_at is not None and state.next_retry_at <= now:
        return "charge"
    suspended_at = state.suspended_at
    if state.status == "suspended" and suspended_at is not None and suspended_at + policy.cancel_after <= now:
        return "cancel"
    return None


def cancel(state: SubscriptionState) -> list[L.Data]:
    """Cancel at period end while paid (undo with resume); at once when nothing is paid ahead."""
    if state.status in ("trialing", "active"):
        if state.cancel_at_period_end:
            return []
        assert state.period_end is not None
        return [L.CancelScheduled(at=state.period_end)]
    if state.status in ("past_due", "suspended", "paused"):
        return [L.Canceled(reason="requested")]
    raise InvalidTransition(f"A {state.status} subscription cannot be canceled.")


def resume(state: SubscriptionState, *, now: dt.datetime) -> list[L.Data]:
    if state.status == "paused":
        remaining = dt.timedelta(seconds=state.paused_remaining_seconds or 0)
        return [L.Resumed(period_end=now + remaining)]
    if state.cancel_at_period_end and state.status in ("trialing", "active"):
        return [L.Resumed(period_end=None)]
    raise InvalidTransition(f"A {state.status} subscription has nothing to resume.")


def pause(state: SubscriptionState, *, now: dt.datetime) -> list[L.Data]:
    """Keeps the paid-through date: the time left is given back on resume."""
    if state.status != "active":
        raise InvalidTransition(f"Only an active subscription can be paused (this one is {state.status}).")
    assert state.period_end is not None
    return [L.Paused(remaining_seconds=seconds_between(now, state.period_end))]


ChangeKind = Literal["now", "upgrade", "at_period_end"]


def plan_change(state: SubscriptionState, plan: Plan) -> ChangeKind:
    """How a plan change happens: at once in a trial, charged now for an upgrade, at period end
    for a downgrade."""
    if state.status not in ("trialing", "active"):
        raise InvalidTransition(f"The plan of a {state.status} subscription cannot change.")
    if plan.id == state.plan and state.scheduled_plan in (None, plan.id):
        raise SamePlan(f"The subscription is already on {plan.name}.", field="plan")
    if state.status == "trialing":
        return "now"
    if plan.rank > PLANS[state.plan].rank:
        return "upgrade"
    return "at_period_end"


def due_at(state: SubscriptionState, *, policy: DunningPolicy) -> dt.datetime | None:
    """When the renewal pass next owes the subscription something (its index entry)."""
    if state.pending_charge is not None and state.awaiting_action_until is not None:
        return state.awaiting_action_until  # the customer's to confirm until then
    if state.pending_charge is not None:
        return state.updated_at or state.created_at
    if state.status in ("trialing", "active"):
        return state.period_end
    if state.status == "past_due":
        return state.next_retry_at
    if state.status == "suspended" and state.suspended_at is not None:
        return state.suspended_at + policy.cancel_after
    return None


# A command's decision: the entries to append, given the state and the time it takes effect.
Decision = Callable[[SubscriptionState, dt.datetime], list[L.Data]]
