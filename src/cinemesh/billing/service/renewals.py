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
from cinemesh.billing.domain.state import SubscriptionState
from cinemesh.billing.domain.tax import TaxTable
from cinemesh.billing.service.charges import Charger
from cinemesh.billing.service.ledger import LedgerAccess
from cinemesh.platform.logging import get_logger

log = get_logger("cinemesh.billing.renewals")


@dataclass
class RenewalReport:
    as_of: dt.datetime
    examined: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)


class RenewalService:
    def __init__(self, *, access: LedgerAccess, charger: Charger, tax: TaxTable, batch: int = 500) -> None:
        self.access = access
        self.charger = charger
        self.tax = tax
        self.batch = batch

    async def run(self, *, now: dt.datetime) -> RenewalReport:
        report = RenewalReport(as_of=now)
        seen: set[str] = set()
        while True:
            async with self.access.read() as store:
                due = [sid for sid in await store.due(now, limit=self.batch + len(seen)) if sid not in seen]
            if not due:
                return report
            for subscription_id in due:
                seen.add(subscription_id)
                report.examined += 1
                try:
                    report.outcomes[await self.renew_one(subscription_id, now=now)] += 1
                except Exception:  # one subscription's failure must not stop the others' renewals
                    log.exception("renewal_failed", subscription_id=subscription_id)
                    report.outcomes["error"] += 1

    async def renew_one(self, subscription_id: str, *, now: dt.datetime) -> str:
        causation = f"renewal-pass:{now.isoformat()}"
        async with self.access.unit() as unit:
            state = await unit.load(subscription_id)
            if state is None:
                return "missing"
            action = rules.due(state, now=now, policy=unit.policy)
            if action is None:
                return "not-due"
            if action in ("expire", "cancel"):
                reason: L.Canceled = L.Canceled(reason="period_end" if action == "expire" else "unpaid")
                await unit.append(
                    subscription_id, [reason], at=unit.at(now), causation=causation, key=f"{action}"
                )
                return "canceled"
            pending = state.pending_charge
            method = state.payment_method
            if pending is None:  # step 1 of a charge, in this same transaction
                pending = rules.period_charge(state, now=now, tax_rate_bp=self.tax.rate_bp(state.country))
                await unit.append(
                    subscription_id, [pending], at=unit.at(now), causation=causation, key=pending.charge_key
                )
        # an earlier pass may have asked the provider without recording the answer: the same key
        # gets the same answer
        settled = await self.charger.settle(
            subscription_id, pending, causation=causation, now=now, payment_method=method
        )
        return _outcome(settled)


def _outcome(state: SubscriptionState | None) -> str:
    if state is None:
        return "not-due"
    return {"active": "renewed", "past_due": "payment-failed", "suspended": "suspended"}.get(
        state.status, state.status
    )
