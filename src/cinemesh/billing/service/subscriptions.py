"""The customer's use cases: checkout, plan change, cancel, resume, pause, payment method."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.billing import publishing
from cinemesh.billing.domain import ledger as L
from cinemesh.billing.domain import rules
from cinemesh.billing.domain.coupons import CouponTerms, check_redeemable
from cinemesh.billing.domain.errors import (
    AuthenticationRequired,
    BillingDisabled,
    PaymentDeclined,
    SubscriptionExists,
    SubscriptionNotFound,
    UnknownPromotionCode,
)
from cinemesh.billing.domain.payments import PaymentDetails, PaymentProvider
from cinemesh.billing.domain.plans import PLANS, currency_for
from cinemesh.billing.domain.state import SubscriptionState
from cinemesh.billing.domain.tax import TaxTable
from cinemesh.billing.service.charges import Charger
from cinemesh.billing.service.ledger import Clock, LedgerAccess, Unit
from cinemesh.billing.store.coupons import CouponStore
from cinemesh.contracts.publishing import record_event
from cinemesh.platform.ids import new_id_str

Mode = Literal["sandbox", "free"]


@dataclass(frozen=True)
class BillingPolicy:
    mode: Mode = "sandbox"
    free_plan: str = "basic"
    trial_days: int = 7


class SubscriptionService:
    def __init__(
        self,
        *,
        access: LedgerAccess,
        provider: PaymentProvider,
        charger: Charger,
        tax: TaxTable,
        policy: BillingPolicy,
        clock: Clock,
    ) -> None:
        self.access = access
        self.provider = provider
        self.charger = charger
        self.tax = tax
        self.policy = policy
        self.clock = clock

    def _require_billing(self) -> None:
        if self.policy.mode == "free":
            raise BillingDisabled(
                f"This deployment does not charge: every account has the {self.policy.free_plan} plan."
            )

    async def account_registered(
        self, session: AsyncSession, *, user_id: str, registered_at: dt.datetime
    ) -> None:
        """Free mode grants the configured plan; otherwise the account chooses one at checkout."""
        if self.policy.mode == "free":
            event = publishing.free_plan_granted(
                user_id=user_id, plan=PLANS[self.policy.free_plan], at=registered_at
            )
            await record_event(session, event, source=publishing.SOURCE)

    async def current(self, *, user_id: str) -> SubscriptionState | None:
        async with self.access.unit() as unit:
            return await self._current(unit, user_id)

    async def _current(self, unit: Unit, user_id: str) -> SubscriptionState | None:
        subscription_id = await unit.store.current_subscription(user_id)
        return await unit.load(subscription_id) if subscription_id else None

    async def _require_current(self, unit: Unit, user_id: str) -> SubscriptionState:
        state = await self._current(unit, user_id)
        if state is None:
            raise SubscriptionNotFound("The account has no subscription; start one at checkout.")
        return state

    async def checkout(
        self,
        *,
        user_id: str,
        country: str | None,
        plan: str,
        payment: PaymentDetails,
        promotion_code: str | None,
        causation: str | None,
    ) -> SubscriptionState:
        self._require_billing()
        chosen = rules.plan_or_refuse(plan)
        method = await self.provider.attach(user_id=user_id, details=payment)
        currency = currency_for(country)
        now = self.clock()
        subscription_id = new_id_str()
        async with self.access.unit() as unit:
            current_id = await unit.store.lock_account(user_id)
            if current_id is not None:
                current = await unit.load(current_id)
                if current is not None and current.is_live:
                    raise SubscriptionExists(
                        "The account already has a subscription; change its plan instead."
                    )
                unit.state = None
            created = L.Created(
                user_id=user_id, plan=chosen.id, currency=currency, country=country, payment_method=method
            )
            await unit.append(subscription_id, [created], at=now, causation=causation, key="created")
            await unit.store.set_current(user_id, subscription_id)
            if promotion_code is not None:
                discount = await self._redeem(
                    unit, promotion_code, plan=chosen.id, currency=currency, now=now
                )
                await unit.append(
                    subscription_id, [L.DiscountApplied(code=promotion_code.upper(), terms=discount)],
                    at=now, causation=causation, key="discount",
                )  # fmt: skip
            trial = self.policy.trial_days > 0 and await unit.store.claim_trial(
                [f"user:{user_id}", f"card:{method.fingerprint}"], subscription_id=subscription_id, at=now
            )
            if trial:
                trial_end = now + dt.timedelta(days=self.policy.trial_days)
                return await unit.append(
                    subscription_id,
                    [L.TrialStarted(trial_end=trial_end)],
                    at=now,
                    causation=causation,
                    key="trial",
                )
            request = rules.signup_charge(
                subscription_id=subscription_id, plan=chosen, currency=currency, country=country,
                tax_rate_bp=self.tax.rate_bp(country), now=now, discount=unit.require().active_discount(),
            )  # fmt: skip
            await unit.append(subscription_id, [request], at=now, causation=causation, key=request.charge_key)
        settled = await self.charger.settle(subscription_id, request, causation=causation, on_session=True)
        assert settled is not None
        if settled.awaiting_action_until is not None:
            raise AuthenticationRequired(
                "Your bank asks you to confirm this payment; nothing is charged until you do.",
                next_action={"type": "confirm_payment", "url": "/api/v1/billing/subscription/confirm"},
                confirm_by=settled.awaiting_action_until.isoformat(),
            )
        if settled.status == "pending":
            raise PaymentDeclined(
                "The card was declined; no subscription was started.", decline_code="card_declined"
            )
        return settled

    async def _redeem(
        self, unit: Unit, code: str, *, plan: str, currency: str, now: dt.datetime
    ) -> CouponTerms:
        coupons = CouponStore(unit.session)
        coupon = await coupons.lock_by_code(code)
        if coupon is None:
            raise UnknownPromotionCode(f"No promotion code {code!r}.", field="promotion_code")
        check_redeemable(
            coupon.terms,
            redemptions=coupon.redemptions,
            plan=plan,
            currency=currency,
            now=now,
            code=code.upper(),
        )
        await coupons.redeemed(coupon.terms.coupon_id)
        return coupon.terms

    async def change_plan(self, *, user_id: str, plan: str, causation: str | None) -> SubscriptionState:
        self._require_billing()
        chosen = rules.plan_or_refuse(plan)
        async with self.access.unit() as unit:
            state = await self._require_current(unit, user_id)
            kind = rules.plan_change(state, chosen)
            at = unit.at(self.clock())
            key = f"plan:{chosen.id}:{at.isoformat()}"
            if kind == "now":
                return await unit.append(
                    state.subscription_id, [L.PlanChanged(from_plan=state.plan, plan=chosen.id)],
                    at=at, causation=causation, key=key,
                )  # fmt: skip
            if kind == "at_period_end":
                assert state.period_end is not None
                return await unit.append(
                    state.subscription_id, [L.PlanChangeScheduled(plan=chosen.id, at=state.period_end)],
                    at=at, causation=causation, key=key,
                )  # fmt: skip
        tax_rate = self.tax.rate_bp(state.country)

        def upgrade(current: SubscriptionState, unit: Unit) -> L.ChargeRequested | None:
            rules.plan_change(current, chosen)  # still an upgrade now that the account is locked again
            return rules.upgrade_charge(current, plan=chosen, now=unit.at(self.clock()), tax_rate_bp=tax_rate)

        request, settled = await self.charger.charge(state.subscription_id, upgrade, causation=causation)
        assert settled is not None and request is not None
        if settled.plan != chosen.id:
            raise PaymentDeclined(
                "The card was declined; the plan is unchanged.", decline_code="card_declined"
            )
        return settled

    async def _command(
        self, *, user_id: str, name: str, causation: str | None, decide: rules.Decision
    ) -> SubscriptionState:
        self._require_billing()
        async with self.access.unit() as unit:
            state = await self._require_current(unit, user_id)
            at = unit.at(self.clock())
            data = decide(state, at)
            return await unit.append(
                state.subscription_id, data, at=at, causation=causation, key=f"{name}:{at.isoformat()}"
            )

    async def cancel(self, *, user_id: str, causation: str | None) -> SubscriptionState:
        return await self._command(
            user_id=user_id, name="cancel", causation=causation, decide=lambda state, _: rules.cancel(state)
        )

    async def resume(self, *, user_id: str, causation: str | None) -> SubscriptionState:
        return await self._command(
            user_id=user_id,
            name="resume",
            causation=causation,
            decide=lambda state, at: rules.resume(state, now=at),
        )

    async def pause(self, *, user_id: str, causation: str | None) -> SubscriptionState:
        return await self._command(
            user_id=user_id,
            name="pause",
            causation=causation,
            decide=lambda state, at: rules.pause(state, now=at),
        )

    async def update_payment_method(
        self, *, user_id: str, payment: PaymentDetails, causation: str | None
    ) -> SubscriptionState:
        """A new card; a subscription in dunning or suspended is charged on it at once."""
        self._require_billing()
        method = await self.provider.attach(user_id=user_id, details=payment)
        async with self.access.unit() as unit:
            state = await self._require_current(unit, user_id)
            at = unit.at(self.clock())
            state = await unit.append(
                state.subscription_id, [L.PaymentMethodUpdated(payment_method=method)],
                at=at, causation=causation, key=f"payment-method:{method.provider_ref}",
            )  # fmt: skip
        if state.status not in ("past_due", "suspended"):
            return state
        tax_rate = self.tax.rate_bp(state.country)

        def recovery(current: SubscriptionState, unit: Unit) -> L.ChargeRequested | None:
            if current.status not in ("past_due", "suspended"):
                return None
            return rules.period_charge(
                current, now=unit.at(self.clock()), tax_rate_bp=tax_rate, recovery=True
            )

        _, settled = await self.charger.charge(state.subscription_id, recovery, causation=causation)
        return settled or state
