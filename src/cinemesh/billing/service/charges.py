"""Charging a subscription crash-safely: exactly one charge per subscription and period.

1. In a transaction, append `charge_requested` (with the provider idempotency key) and commit.
2. Ask the provider, outside any transaction, with that key.
3. In a transaction, append what the answer leads to (payment, invoice with its gapless number,
   renewal or dunning step), unless someone already did.

A process killed after 2 leaves the request pending in the ledger; the next renewal pass sees it
(`due` says "settle") and asks the provider again with the same key, which answers with the
charge it already made: one charge, one invoice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from cinemesh.billing.domain import ledger as L
from cinemesh.billing.domain import rules
from cinemesh.billing.domain.payments import AUTHENTICATION_REQUIRED, NO_CHARGE, ChargeResult, PaymentProvider
from cinemesh.billing.domain.state import SubscriptionState, fold
from cinemesh.billing.service.ledger import Clock, LedgerAccess, Unit
from cinemesh.billing.store.repository import BillingStore
from cinemesh.platform.ids import new_id_str

# How long a charge waits for the customer's bank confirmation (Stripe keeps an incomplete
# subscription's first invoice open for 23 hours); then the renewal pass settles it as failed.
ACTION_WINDOW = dt.timedelta(hours=23)
RequestBuilder = Callable[[SubscriptionState, Unit], L.ChargeRequested | None]


class Charger:
    def __init__(self, *, access: LedgerAccess, provider: PaymentProvider, clock: Clock) -> None:
        self.access = access
        self.provider = provider
        self.clock = clock

    async def request(
        self,
        subscription_id: str,
        build: RequestBuilder,
        *,
        causation: str | None,
        now: dt.datetime | None = None,
    ) -> L.ChargeRequested | None:
        """Step 1: the pending request (an earlier one if a charge is still unanswered)."""
        async with self.access.unit() as unit:
            state = await unit.load(subscription_id)
            if state is None:
                return None
            if state.pending_charge is not None:
                return state.pending_charge
            request = build(state, unit)
            if request is None:
                return None
            at = unit.at(now or self.clock())
            await unit.append(subscription_id, [request], at=at, causation=causation, key=request.charge_key)
            return request

    async def settle(
        self,
        subscription_id: str,
        request: L.ChargeRequested,
        *,
        causation: str | None,
        now: dt.datetime | None = None,
        payment_method: L.PaymentMethod | None = None,
        on_session: bool = False,
    ) -> SubscriptionState | None:
        """Steps 2 and 3 (`payment_method`: the subscription's, when the caller has it at hand).
        `on_session`: the customer is there to confirm with their bank (3-D Secure), so a charge
        the bank wants confirmed stays pending for them instead of failing."""
        if payment_method is None:
            async with self.access.read() as store:
                state = await _state(store, subscription_id)
            assert state is not None
            payment_method = state.payment_method
        answer = await self.ask(request, payment_method)
        async with self.access.unit() as unit:
            await unit.load(subscription_id)
            if on_session and answer.decline_code == AUTHENTICATION_REQUIRED:
                return await self._await_action(unit, subscription_id, request, now=now)
            return await self.record(unit, subscription_id, request, answer, now=now)

    async def _await_action(
        self, unit: Unit, subscription_id: str, request: L.ChargeRequested, *, now: dt.datetime | None
    ) -> SubscriptionState:
        state = unit.require()
        pending = state.pending_charge
        if pending is None or pending.charge_key != request.charge_key:
            return state  # recorded by another pass meanwhile
        at = unit.at(now or self.clock())
        waiting = L.ActionRequired(charge_key=request.charge_key, expires_at=at + ACTION_WINDOW)
        key = f"action:{request.charge_key}"
        return await unit.append(subscription_id, [waiting], at=at, causation=request.charge_key, key=key)

    async def ask(self, request: L.ChargeRequested, payment_method: L.PaymentMethod) -> ChargeResult:
        """Step 2: the provider's answer to the request (the same answer however often asked)."""
        if request.amount == 0:  # a 100 % coupon: nothing to ask the provider for
            return ChargeResult(charge_id=NO_CHARGE, decline_code=None)
        return await self.provider.charge(
            payment_method=payment_method,
            amount=request.amount,
            currency=request.currency,
            idempotency_key=request.charge_key,
        )

    async def record(
        self,
        unit: Unit,
        subscription_id: str,
        request: L.ChargeRequested,
        answer: ChargeResult,
        *,
        now: dt.datetime | None = None,
    ) -> SubscriptionState:
        """Step 3, in the unit's transaction (its state loaded): unless already recorded."""
        state = unit.require()
        pending = state.pending_charge
        if pending is None or pending.charge_key != request.charge_key:
            return state  # another pass recorded this answer already
        number = await unit.store.next_invoice_number() if answer.charge_id else None
        data = rules.settle(
            state,
            request,
            provider_charge_id=answer.charge_id,
            decline_code=answer.decline_code,
            invoice_id=new_id_str(),
            invoice_number=number,
            policy=unit.policy,
        )
        at = unit.at(now or self.clock())
        return await unit.append(
            subscription_id, data, at=at, causation=request.charge_key, key=f"settle:{request.charge_key}"
        )

    async def charge(
        self,
        subscription_id: str,
        build: RequestBuilder,
        *,
        causation: str | None,
        now: dt.datetime | None = None,
    ) -> tuple[L.ChargeRequested | None, SubscriptionState | None]:
        request = await self.request(subscription_id, build, causation=causation, now=now)
        if request is None:
            return None, None
        return request, await self.settle(subscription_id, request, causation=causation, now=now)


async def _state(store: BillingStore, subscription_id: str) -> SubscriptionState | None:
    return fold(await store.entries(subscription_id))
