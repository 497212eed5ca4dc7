"""The renewal pass: everything the billing clock owes subscriptions as of a time.

Run by the worker's scheduler (jobs.py) every minute as of the wall clock, and by operators and
tests as of any time (POST /api/v1/admin/billing/run-renewals?now=). Several passes may run at
once (API replicas, workers): the ledger's locks and the charge keys make each effect happen once.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from cinemesh.billing.domain import ledger as L
from cinemesh.billing.domain import rules
from cinemesh.billing.domain.payments import ChargeResult
from cinemesh.billing.domain.state import SubscriptionState
from cinemesh.billing.domain.tax import TaxTable
from cinemesh.billing.service.charges import Charger
from cinemesh.billing.service.ledger import LedgerAccess, Unit
from cinemesh.platform.logging import get_logger

log = get_logger("cinemesh.billing.renewals")


@dataclass
class RenewalReport:
    as_of: dt.datetime
    examined: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)


class RenewalService:
    def __init__(
        self, *, access: LedgerAccess, charger: Charger, tax: TaxTable, batch: int = 500, chunk: int = 50
    ) -> None:
        self.access = access
        self.charger = charger
        self.tax = tax
        self.batch = batch
        self.chunk = chunk  # subscriptions per transaction

    async def run(self, *, now: dt.datetime) -> RenewalReport:
        report = RenewalReport(as_of=now)
        seen: set[str] = set()
        while True:
            async with self.access.read() as store:
                due = [sid for sid in await store.due(now, limit=self.batch + len(seen)) if sid not in seen]
            if not due:
                return report
            seen.update(due)
            report.examined += len(due)
            for start in range(0, len(due), self.chunk):
                chunk = sorted(due[start : start + self.chunk])  # one lock order for every pass
                try:
                    report.outcomes.update(await self._renew_chunk(chunk, now=now))
                except Exception:  # one subscription's failure must not stop the others' renewals
                    log.exception("renewal_chunk_failed", subscriptions=len(chunk))
                    for subscription_id in chunk:
                        report.outcomes[await self._renew_alone(subscription_id, now=now)] += 1

    async def _renew_chunk(self, chunk: list[str], *, now: dt.datetime) -> Counter[str]:
        """Many subscriptions, two transactions: all requests committed before any provider call,
        then all outcomes (the crash guarantee is per request, not per transaction). Each
        transaction reads the chunk's ledgers in one query and writes each table in one statement."""
        outcomes: Counter[str] = Counter()
        asks: list[tuple[str, L.ChargeRequested, L.PaymentMethod]] = []
        async with self.access.units(chunk) as (requested, unit_of):
            for subscription_id in chunk:
                outcome, ask = await self._decide(unit_of(), subscription_id, now=now)
                if ask is None:
                    outcomes[outcome] += 1
                else:
                    asks.append((subscription_id, *ask))
        answered: list[tuple[str, L.ChargeRequested, ChargeResult]] = []
        failed: list[str] = []
        for subscription_id, request, method in asks:
            try:
                answered.append((subscription_id, request, await self.charger.ask(request, method)))
            except Exception:  # its request stays pending: asked again alone below, same key
                log.exception("renewal_charge_failed", subscription_id=subscription_id)
                failed.append(subscription_id)
        answered_ids = [sid for sid, _, _ in answered]
        async with self.access.units(answered_ids, known=requested.ledgers) as (batch, unit_of):
            units = [(unit_of(), subscription_id) for subscription_id, _, _ in answered]
            paid = 0
            for (unit, subscription_id), (_, request, answer) in zip(units, answered, strict=True):
                state = await unit.load(subscription_id)
                pending = state.pending_charge if state is not None else None
                same = pending is not None and pending.charge_key == request.charge_key
                paid += bool(answer.charge_id and same)
            await batch.reserve_invoice_numbers(paid)  # in chunk order, every one used
            for (unit, subscription_id), (_, request, answer) in zip(units, answered, strict=True):
                state = await self.charger.record(unit, subscription_id, request, answer, now=now)
                outcomes[_outcome(state)] += 1
        for subscription_id in failed:
            outcomes[await self._renew_alone(subscription_id, now=now)] += 1
        return outcomes

    async def _renew_alone(self, subscription_id: str, *, now: dt.datetime) -> str:
        try:
            return await self.renew_one(subscription_id, now=now)
        except Exception:
            log.exception("renewal_failed", subscription_id=subscription_id)
            return "error"

    async def _decide(
        self, unit: Unit, subscription_id: str, *, now: dt.datetime
    ) -> tuple[str, tuple[L.ChargeRequested, L.PaymentMethod] | None]:
        """Step 1 for one subscription in the unit's transaction: what to ask the provider, if
        anything (an earlier pass's unanswered request is asked again, with its key)."""
        causation = f"renewal-pass:{now.isoformat()}"
        state = await unit.load(subscription_id)
        if state is None:
            return "missing", None
        action = rules.due(state, now=now, policy=unit.policy)
        if action is None:
            return "not-due", None
        if action in ("expire", "cancel"):
            reason = L.Canceled(reason="period_end" if action == "expire" else "unpaid")
            await unit.append(subscription_id, [reason], at=unit.at(now), causation=causation, key=action)
            return "canceled", None
        pending = state.pending_charge
        if pending is None:
            pending = rules.period_charge(state, now=now, tax_rate_bp=self.tax.rate_bp(state.country))
            await unit.append(
                subscription_id, [pending], at=unit.at(now), causation=causation, key=pending.charge_key
            )
        return "asked", (pending, state.payment_method)

    async def renew_one(self, subscription_id: str, *, now: dt.datetime) -> str:
        async with self.access.unit() as unit:
            outcome, ask = await self._decide(unit, subscription_id, now=now)
        if ask is None:
            return outcome
        request, method = ask
        settled = await self.charger.settle(
            subscription_id,
            request,
            causation=f"renewal-pass:{now.isoformat()}",
            now=now,
            payment_method=method,
        )
        return _outcome(settled)


def _outcome(state: SubscriptionState | None) -> str:
    if state is None:
        return "not-due"
    return {"active": "renewed", "past_due": "payment-failed", "suspended": "suspended"}.get(
        state.status, state.status
    )
