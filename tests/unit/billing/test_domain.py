"""Billing's domain without I/O: the ledger fold, the dunning schedule, proration to the second,
tax and gapless invoice projection from the ledger alone."""

from __future__ import annotations

import datetime as dt

import pytest

from cinemesh.billing.domain import ledger as L
from cinemesh.billing.domain import rules
from cinemesh.billing.domain.errors import InvalidTransition, SamePlan
from cinemesh.billing.domain.invoices import project, totals
from cinemesh.billing.domain.money import add_months, share
from cinemesh.billing.domain.plans import PLANS, currency_for
from cinemesh.billing.domain.state import SubscriptionState, fold
from cinemesh.billing.domain.tax import DEFAULT_RATES_BP, TaxTable

T0 = dt.datetime(2026, 1, 31, 12, 0, tzinfo=dt.UTC)
CARD = L.PaymentMethod(
    type="credit_card", provider_ref="pm_1", brand="visa", last_four="4242", exp_month=12, exp_year=2030,
    fingerprint="fp",
)  # fmt: skip
POLICY = rules.DunningPolicy()


class Ledger:
    """Appends entries the way the service does, and folds them."""

    def __init__(self) -> None:
        self.entries: list[L.Entry] = []

    def add(self, at: dt.datetime, *data: L.Data) -> SubscriptionState:
        for item in data:
            self.entries.append(
                L.Entry(
                    subscription_id="sub", version=len(self.entries) + 1, effective_at=at, recorded_at=at,
                    causation=None, idempotency_key=f"k{len(self.entries)}",
                    data=L.ENTRY_DATA.validate_python(item.model_dump()),
                )
            )  # fmt: skip
        state = fold(self.entries)
        assert state is not None
        return state


def settle(
    ledger: Ledger, state: SubscriptionState, at: dt.datetime, *, paid: bool, number: int = 1
) -> SubscriptionState:
    request = state.pending_charge
    assert request is not None
    entries = rules.settle(
        state, request, provider_charge_id="ch_1" if paid else None,
        decline_code=None if paid else "card_declined",
        invoice_id=f"inv{number}", invoice_number=number if paid else None, policy=POLICY,
    )  # fmt: skip
    return ledger.add(at, *entries)


def trialing(ledger: Ledger) -> SubscriptionState:
    ledger.add(
        T0, L.Created(user_id="u1", plan="standard", currency="EUR", country="DE", payment_method=CARD)
    )
    return ledger.add(T0, L.TrialStarted(trial_end=T0 + dt.timedelta(days=7)))


def test_plans_define_the_four_tiers_and_entitlements_in_minor_units() -> None:
    assert list(PLANS) == ["basic", "standard", "premium", "ultra"]
    assert PLANS["standard"].entitlements.max_height == 1080
    assert all(isinstance(price, int) for plan in PLANS.values() for price in plan.prices.values())
    assert currency_for("DE") == "EUR" and currency_for("GB") == "GBP" and currency_for(None) == "USD"


def test_months_clamp_and_shares_round_half_away_from_zero() -> None:
    assert add_months(T0) == dt.datetime(2026, 2, 28, 12, tzinfo=dt.UTC)
    assert add_months(dt.datetime(2026, 12, 15, tzinfo=dt.UTC)) == dt.datetime(2027, 1, 15, tzinfo=dt.UTC)
    assert share(1299, 1, 2) == 650 and share(-1299, 1, 2) == -650


def test_trial_then_renewal_charged_and_invoiced() -> None:
    ledger = Ledger()
    state = trialing(ledger)
    assert state.status == "trialing" and state.account_status == "active"
    end = T0 + dt.timedelta(days=7)
    assert rules.due(state, now=end - dt.timedelta(seconds=1), policy=POLICY) is None
    assert rules.due(state, now=end, policy=POLICY) == "charge"
    request = rules.period_charge(state, now=end, tax_rate_bp=1900)
    assert request.amount == 1299 + 247  # 19 % German VAT on EUR 12.99
    state = ledger.add(end, request)
    assert rules.due(state, now=end, policy=POLICY) == "settle"  # a crash here asks again, same key
    state = settle(ledger, state, end, paid=True)
    assert state.status == "active" and state.period_start == end and state.period_end == add_months(end)
    assert state.pending_charge is None
    [invoice] = project(ledger.entries, user_id="u1")
    assert (invoice.number, invoice.subtotal, invoice.tax, invoice.total) == (1, 1299, 247, 1546)


def test_dunning_four_tries_over_two_weeks_then_suspended_then_canceled() -> None:
    ledger = Ledger()
    state = trialing(ledger)
    due_at = state.period_end
    assert due_at is not None
    attempts = []
    now = due_at
    while state.status != "suspended":
        assert rules.due(state, now=now, policy=POLICY) == "charge"
        request = rules.period_charge(state, now=now, tax_rate_bp=0)
        attempts.append((request.attempt, now - due_at))
        state = ledger.add(now, request)
        state = settle(ledger, state, now, paid=False)
        if state.next_retry_at is not None and state.status == "past_due":
            assert state.account_status == "active"  # still plays during the retries
            assert rules.due(state, now=state.next_retry_at - dt.timedelta(seconds=1), policy=POLICY) is None
            now = state.next_retry_at
    days = [delta.days for _, delta in attempts]
    assert [a for a, _ in attempts] == [1, 2, 3, 4] and days == [0, 3, 7, 14]
    assert state.account_status == "suspended"
    assert rules.due(state, now=now + dt.timedelta(days=29), policy=POLICY) is None
    assert rules.due(state, now=now + dt.timedelta(days=30), policy=POLICY) == "cancel"
    # a new card before that: a recovery charge starts a fresh period from now
    later = now + dt.timedelta(days=2)
    request = rules.period_charge(state, now=later, tax_rate_bp=0, recovery=True)
    state = settle(ledger, ledger.add(later, request), later, paid=True)
    assert state.status == "active" and state.period_start == later and state.period_end == add_months(later)
    assert len(project(ledger.entries, user_id="u1")) == 1


def test_upgrade_prorated_to_the_second_downgrade_at_period_end() -> None:
    ledger = Ledger()
    trialing(ledger)
    end = T0 + dt.timedelta(days=7)
    state = ledger.add(end, rules.period_charge(fold(ledger.entries), now=end, tax_rate_bp=0))  # type: ignore[arg-type]
    state = settle(ledger, state, end, paid=True)
    assert state.period_start is not None and state.period_end is not None
    period = int((state.period_end - state.period_start).total_seconds())
    now = state.period_start + dt.timedelta(seconds=period // 3 + 7)
    assert rules.plan_change(state, PLANS["premium"]) == "upgrade"
    request = rules.upgrade_charge(state, plan=PLANS["premium"], now=now, tax_rate_bp=0)
    remaining = int((state.period_end - now).total_seconds())
    expected = share(1799, remaining, period) - share(1299, remaining, period)
    assert request.amount == expected > 0
    state = settle(ledger, ledger.add(now, request), now, paid=True, number=2)
    assert state.plan == "premium" and state.period_end == add_months(end)
    invoice = project(ledger.entries, user_id="u1")[-1]
    assert [line.amount for line in invoice.lines] == [
        -share(1299, remaining, period),
        share(1799, remaining, period),
    ]
    assert rules.plan_change(state, PLANS["basic"]) == "at_period_end"
    state = ledger.add(now, L.PlanChangeScheduled(plan="basic", at=state.period_end))
    renewal = rules.period_charge(state, now=add_months(end), tax_rate_bp=0)
    assert renewal.amount == PLANS["basic"].price("EUR")
    with pytest.raises(SamePlan):
        rules.plan_change(fold(ledger.entries[:-1]), PLANS["premium"])  # type: ignore[arg-type]


def test_cancel_at_period_end_undo_and_pause_keeps_paid_through() -> None:
    ledger = Ledger()
    state = trialing(ledger)
    end = T0 + dt.timedelta(days=7)
    state = settle(
        ledger, ledger.add(end, rules.period_charge(state, now=end, tax_rate_bp=0)), end, paid=True
    )
    state = ledger.add(end, *rules.cancel(state))
    assert state.cancel_at_period_end and rules.cancel(state) == []
    state = ledger.add(end, *rules.resume(state, now=end))
    assert not state.cancel_at_period_end
    assert state.period_end is not None
    pause_at = state.period_end - dt.timedelta(days=10)
    state = ledger.add(pause_at, *rules.pause(state, now=pause_at))
    assert state.status == "paused" and state.account_status == "suspended"
    assert rules.due(state, now=pause_at + dt.timedelta(days=60), policy=POLICY) is None
    back = pause_at + dt.timedelta(days=40)
    state = ledger.add(back, *rules.resume(state, now=back))
    assert state.status == "active" and state.period_end == back + dt.timedelta(days=10)
    with pytest.raises(InvalidTransition):
        rules.resume(state, now=back)
    state = ledger.add(back, *rules.cancel(state))
    assert rules.due(state, now=state.period_end, policy=POLICY) == "expire"  # type: ignore[arg-type]


def test_tax_table_and_totals() -> None:
    table = TaxTable(DEFAULT_RATES_BP)
    assert table.rate_bp("de") == 1900 and table.rate_bp("US") == 0 and table.rate_bp(None) == 0
    with pytest.raises(ValueError):
        TaxTable({"DEU": 1900})
    item = L.PlanItem(plan="basic", unit_amount=699, period_start=T0, period_end=add_months(T0))
    assert totals([item], 2000).total == 699 + 140


def test_a_ledger_must_start_with_created() -> None:
    ledger = Ledger()
    with pytest.raises(ValueError):
        ledger.add(T0, L.Suspended())


def test_coupon_terms_discount_and_duration() -> None:
    from cinemesh.billing.domain.coupons import CouponTerms

    half = CouponTerms(coupon_id="h", name="Half", percent_off=50, duration="repeating", duration_months=3)
    assert half.discount(699) == 350 and half.periods() == 3
    five = CouponTerms(coupon_id="f", name="Five", amount_off=500, currency="EUR", duration="forever")
    assert five.discount(300) == 300 and five.periods() is None  # never below zero
    with pytest.raises(ValueError):
        CouponTerms(coupon_id="x", name="X", percent_off=10, duration="repeating")
