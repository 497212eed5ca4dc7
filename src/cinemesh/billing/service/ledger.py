"""The unit of work of every billing use case: lock, fold the ledger, append, keep the
projections (due index, invoices) and publish, all in the caller's transaction."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.billing import publishing
from cinemesh.billing.domain import ledger as L
from cinemesh.billing.domain.errors import SubscriptionNotFound
from cinemesh.billing.domain.invoices import invoice_of
from cinemesh.billing.domain.refunds import credit_note_of
from cinemesh.billing.domain.rules import DunningPolicy, due_at
from cinemesh.billing.domain.state import SubscriptionState, apply_all, fold
from cinemesh.billing.store.batch import BatchStore
from cinemesh.billing.store.repository import BillingStore, entries_after
from cinemesh.platform.db import Database

Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Unit:
    """One transaction over one subscription's ledger."""

    session: AsyncSession
    store: BillingStore
    policy: DunningPolicy
    state: SubscriptionState | None = None
    entries: int = 0

    def at(self, now: dt.datetime) -> dt.datetime:
        """A subscription's time never runs backwards: an operator's billing clock (run-renewals
        ?now=) may be ahead of the wall clock, and later commands take effect after it."""
        if self.state is not None and self.state.updated_at is not None:
            return max(now, self.state.updated_at)
        return now

    def require(self) -> SubscriptionState:
        if self.state is None:
            raise SubscriptionNotFound("The account has no subscription.")
        return self.state

    async def load(self, subscription_id: str) -> SubscriptionState | None:
        await self.store.lock_subscription(subscription_id)
        self.state = fold(await self.store.entries(subscription_id))
        return self.state

    async def append(
        self,
        subscription_id: str,
        data: Sequence[L.Data],
        *,
        at: dt.datetime,
        causation: str | None,
        key: str,
    ) -> SubscriptionState:
        """Appends `data`; a key already in the ledger means the command was done: no-op."""
        if not data:
            return self.require()
        if await self.store.entry_by_key(subscription_id, key) is not None:
            return self.require()
        before = self.state
        written = entries_after(
            subscription_id,
            after_version=before.version if before else 0,
            data=data,
            effective_at=at,
            recorded_at=system_clock(),
            causation=causation,
            idempotency_key=key,
        )
        await self.store.insert_entries(written)
        state = apply_all(before, written)
        assert state is not None
        for entry in written:
            if isinstance(entry.data, L.InvoiceIssued):
                invoice = invoice_of(entry, user_id=state.user_id)
                await self.store.save_invoice(invoice)
                await self.store.stage_event(publishing.invoice_issued(invoice))
            elif isinstance(entry.data, L.CreditNoteIssued):
                note = credit_note_of(entry, user_id=state.user_id)
                await self.store.save_credit_note(note)
                await self.store.stage_event(publishing.credit_note_issued(note))
        await self.store.save_index(state, due_at=due_at(state, policy=self.policy))
        if publishing.visible(before) != publishing.visible(state):
            await self.store.stage_event(publishing.subscription_changed(state))
        self.state = state
        self.entries += len(written)
        return state


class LedgerAccess:
    """Opens units of work; on SQLite one writer at a time in this process (its lock would
    otherwise fail a second writer that read before writing)."""

    def __init__(self, database: Database, *, policy: DunningPolicy) -> None:
        self.database = database
        self.policy = policy
        self._sqlite_writer = asyncio.Lock() if database.is_sqlite else None

    @property
    def writer(self) -> asyncio.Lock | None:
        """On SQLite, the lock every writer of billing's database in this process should queue on
        (the sandbox provider's too); None on PostgreSQL."""
        return self._sqlite_writer

    @contextlib.asynccontextmanager
    async def unit(self) -> AsyncIterator[Unit]:
        writer = self._sqlite_writer or contextlib.nullcontext()
        async with writer, self.database.transaction() as session:
            yield Unit(session=session, store=BillingStore(session), policy=self.policy)

    @contextlib.asynccontextmanager
    async def units(
        self, subscription_ids: Sequence[str], *, known: Mapping[str, list[L.Entry]] | None = None
    ) -> AsyncIterator[tuple[BatchStore, Callable[[], Unit]]]:
        """One transaction for many subscriptions (locked and read at once; `known`: see
        `BatchStore.preload`): yields the batch and a maker of units over it; what they append is
        written in one statement per table."""
        writer = self._sqlite_writer or contextlib.nullcontext()
        async with writer, self.database.transaction() as session:
            store = BatchStore(session)
            await store.preload(subscription_ids, known=known)
            yield store, lambda: Unit(session=session, store=store, policy=self.policy)
            await store.flush()

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[BillingStore]:
        async with self.database.transaction() as session:
            yield BillingStore(session)
