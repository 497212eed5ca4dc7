"""Many subscriptions' ledgers in one transaction, for the renewal pass: one statement locks
the chunk, one reads its ledgers, and each table is written once when the chunk is done.

`BatchStore` answers the unit of work's questions (entries, idempotency keys, invoice numbers)
from what it read and what was appended since, so the per-subscription use cases run unchanged
over it; `flush` writes everything before the transaction commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import sqlalchemy as sa

from cinemesh.billing.domain.invoices import Invoice
from cinemesh.billing.domain.ledger import Entry
from cinemesh.billing.domain.state import SubscriptionState
from cinemesh.billing.publishing import SOURCE
from cinemesh.billing.store.repository import BillingStore, entry_of_row
from cinemesh.billing.store.tables import ledger, subscriptions
from cinemesh.contracts.events import EventContract
from cinemesh.contracts.publishing import record_events

INDEX_COLUMNS = ("status", "plan", "version", "due_at", "updated_at")


class BatchStore(BillingStore):
    """A chunk of existing subscriptions (`preload` first); their rows stay locked until the
    transaction ends (PostgreSQL; on SQLite the service's writer lock)."""

    _ledgers: dict[str, list[Entry]]
    _numbers: list[int]

    async def preload(
        self, subscription_ids: Sequence[str], *, known: Mapping[str, list[Entry]] | None = None
    ) -> None:
        """Locks and reads the chunk. `known`: ledgers read earlier (by the pass's first
        transaction), taken again without a read when the index says no entry came since."""
        ids = sorted(set(subscription_ids))  # one lock order for every pass
        self._ledgers = {subscription_id: [] for subscription_id in ids}
        self._start()
        if not ids:
            return
        query = sa.select(subscriptions.c.subscription_id, subscriptions.c.version).where(
            subscriptions.c.subscription_id.in_(ids)
        )
        if self._postgres:
            query = query.order_by(subscriptions.c.subscription_id).with_for_update()
        to_read = set(ids)
        for subscription_id, version in (await self.session.execute(query)).all():
            earlier = (known or {}).get(subscription_id)
            if earlier and earlier[-1].version == version:
                self._ledgers[subscription_id] = list(earlier)
                to_read.discard(subscription_id)
        if to_read:
            rows = sa.select(ledger).where(ledger.c.subscription_id.in_(sorted(to_read)))
            rows = rows.order_by(ledger.c.subscription_id, ledger.c.version)
            for row in (await self.session.execute(rows)).mappings():
                self._ledgers[row["subscription_id"]].append(entry_of_row(row))

    def _start(self) -> None:
        self._written: list[Entry] = []
        self._invoices: list[Invoice] = []
        self._index: dict[str, dict[str, object]] = {}
        self._events: list[EventContract] = []
        self._numbers = []

    @property
    def ledgers(self) -> Mapping[str, list[Entry]]:
        """Every ledger of the chunk, with what was appended (after `flush`: as committed)."""
        return self._ledgers

    def _ledger(self, subscription_id: str) -> list[Entry]:
        if subscription_id not in self._ledgers:
            raise LookupError(f"{subscription_id} is not in this batch")
        return self._ledgers[subscription_id]

    async def lock_subscription(self, subscription_id: str) -> None:
        self._ledger(subscription_id)  # locked by preload

    async def entries(self, subscription_id: str) -> list[Entry]:
        return list(self._ledger(subscription_id))

    async def entry_by_key(self, subscription_id: str, idempotency_key: str) -> Entry | None:
        return next((e for e in self._ledger(subscription_id) if e.idempotency_key == idempotency_key), None)

    async def insert_entries(self, written: Sequence[Entry]) -> None:
        """Kept for `flush`; refused here already when the ledger moved on since it was read."""
        for entry in written:
            current = self._ledger(entry.subscription_id)
            if (current[-1].version if current else 0) + 1 != entry.version:
                raise RuntimeError(f"stale ledger for {entry.subscription_id}")
            current.append(entry)
        self._written.extend(written)

    async def save_invoice(self, invoice: Invoice) -> None:
        self._invoices.append(invoice)

    async def save_index(self, state: SubscriptionState, *, due_at: dt.datetime | None) -> None:
        self._index[state.subscription_id] = {
            "b_key": state.subscription_id,
            "b_status": state.status,
            "b_plan": state.plan,
            "b_version": state.version,
            "b_due_at": due_at,
            "b_updated_at": state.updated_at or state.created_at,
        }

    async def stage_event(self, event: EventContract) -> None:
        self._events.append(event)

    async def reserve_invoice_numbers(self, count: int) -> None:
        """The next `count` numbers in one update; every one must be used before the commit (a
        number left over would be a gap: `flush` refuses)."""
        if count:
            last = await self.advance_invoice_counter(count)
            self._numbers = list(range(last - count + 1, last + 1))

    async def next_invoice_number(self) -> int:
        return self._numbers.pop(0)

    async def flush(self) -> None:
        if self._numbers:
            raise RuntimeError(f"{len(self._numbers)} invoice numbers reserved and not used")
        await super().insert_entries(self._written)
        await self.save_invoices(self._invoices)
        if self._index:
            update = (
                sa.update(subscriptions)
                .where(subscriptions.c.subscription_id == sa.bindparam("b_key"))
                .values({name: sa.bindparam(f"b_{name}") for name in INDEX_COLUMNS})
            )
            await self.session.execute(update, list(self._index.values()))
        await record_events(self.session, self._events, source=SOURCE)
        self._start()
