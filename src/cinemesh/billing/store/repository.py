"""Queries on billing's tables, inside the caller's transaction (one use case = one transaction)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.billing.domain.invoices import Invoice
from cinemesh.billing.domain.ledger import Data, Entry
from cinemesh.billing.domain.refunds import CreditNote
from cinemesh.billing.domain.state import SubscriptionState
from cinemesh.billing.publishing import SOURCE
from cinemesh.billing.store.tables import (
    accounts,
    counters,
    credit_notes,
    invoices,
    ledger,
    subscriptions,
    trial_claims,
    utc,
)
from cinemesh.contracts.events import EventContract
from cinemesh.contracts.publishing import record_event
from cinemesh.platform.db import rows_affected


class BillingStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def _postgres(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    # -- accounts: the row a use case locks first ---------------------------------------------
    async def lock_account(self, user_id: str) -> str | None:
        """The account's current subscription id, its row locked until the transaction ends
        (SQLite has one writer at a time; the service adds a process lock for it)."""
        insert = postgresql_insert(accounts) if self._postgres else sqlite_insert(accounts)
        await self.session.execute(insert.values(user_id=user_id).on_conflict_do_nothing())
        query = sa.select(accounts.c.subscription_id).where(accounts.c.user_id == user_id)
        if self._postgres:
            query = query.with_for_update()
        current: str | None = (await self.session.execute(query)).scalar_one()
        return current

    async def current_subscription(self, user_id: str) -> str | None:
        query = sa.select(accounts.c.subscription_id).where(accounts.c.user_id == user_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def set_current(self, user_id: str, subscription_id: str) -> None:
        await self.session.execute(
            sa.update(accounts).where(accounts.c.user_id == user_id).values(subscription_id=subscription_id)
        )

    # -- the ledger --------------------------------------------------------------------------
    async def lock_subscription(self, subscription_id: str) -> None:
        if self._postgres:
            await self.session.execute(
                sa.select(subscriptions.c.subscription_id)
                .where(subscriptions.c.subscription_id == subscription_id)
                .with_for_update()
            )

    async def entries(self, subscription_id: str) -> list[Entry]:
        query = (
            sa.select(ledger).where(ledger.c.subscription_id == subscription_id).order_by(ledger.c.version)
        )
        return [entry_of_row(row) for row in (await self.session.execute(query)).mappings()]

    async def entry_by_key(self, subscription_id: str, idempotency_key: str) -> Entry | None:
        query = sa.select(ledger).where(
            ledger.c.subscription_id == subscription_id, ledger.c.idempotency_key == idempotency_key
        )
        row = (await self.session.execute(query)).mappings().first()
        return entry_of_row(row) if row is not None else None

    async def insert_entries(self, written: Sequence[Entry]) -> None:
        """Writes entries (of any subscriptions) in one statement; the unique (subscription,
        version) pair refuses a writer that read a stale ledger."""
        if written:
            await self.session.execute(
                sa.insert(ledger),
                [
                    {**entry.model_dump(exclude={"data"}), "data": entry.data, "kind": entry.kind}
                    for entry in written
                ],
            )

    async def stage_event(self, event: EventContract) -> None:
        """Records an event in the outbox, in this transaction (published if it commits)."""
        await record_event(self.session, event, source=SOURCE)

    async def save_index(self, state: SubscriptionState, *, due_at: dt.datetime | None) -> None:
        values = {
            "user_id": state.user_id,
            "status": state.status,
            "plan": state.plan,
            "version": state.version,
            "due_at": due_at,
            "updated_at": state.updated_at or state.created_at,
        }
        updated = await self.session.execute(
            sa.update(subscriptions)
            .where(subscriptions.c.subscription_id == state.subscription_id)
            .values(**values)
        )
        if rows_affected(updated) == 0:
            await self.session.execute(
                sa.insert(subscriptions).values(subscription_id=state.subscription_id, **values)
            )

    async def due(self, now: dt.datetime, *, limit: int) -> list[str]:
        query = (
            sa.select(subscriptions.c.subscription_id)
            .where(subscriptions.c.due_at.is_not(None), subscriptions.c.due_at <= now)
            .order_by(subscriptions.c.due_at)
            .limit(limit)
        )
        return list((await self.session.execute(query)).scalars())

    async def all_subscription_ids(self, user_id: str) -> list[str]:
        query = sa.select(subscriptions.c.subscription_id).where(subscriptions.c.user_id == user_id)
        return list((await self.session.execute(query.order_by(subscriptions.c.subscription_id))).scalars())

    # -- invoices ----------------------------------------------------------------------------
    async def next_invoice_number(self) -> int:
        """The next number, without gaps: the counter row stays locked until this transaction
        ends, and a rollback takes the number back with everything else."""
        return await self.advance_invoice_counter(1)

    async def advance_invoice_counter(self, count: int, *, counter: str = "invoice") -> int:
        """Takes the next `count` invoice (or credit note) numbers; returns the last of them."""
        statement = (
            sa.update(counters)
            .where(counters.c.name == counter)
            .values(value=counters.c.value + count)
            .returning(counters.c.value)
        )
        return int((await self.session.execute(statement)).scalar_one())

    async def save_invoice(self, invoice: Invoice) -> None:
        await self.save_invoices([invoice])

    async def save_invoices(self, documents: Sequence[Invoice]) -> None:
        if not documents:
            return
        await self.session.execute(
            sa.insert(invoices),
            [
                {
                    "invoice_id": invoice.invoice_id,
                    "number": invoice.number,
                    "user_id": invoice.user_id,
                    "subscription_id": invoice.subscription_id,
                    "issued_at": invoice.issued_at,
                    "currency": invoice.currency,
                    "total": invoice.total,
                    "document": invoice,
                }
                for invoice in documents
            ],
        )

    async def invoices_of(self, user_id: str) -> list[Invoice]:
        query = (
            sa.select(invoices.c.document).where(invoices.c.user_id == user_id).order_by(invoices.c.number)
        )
        return list((await self.session.execute(query)).scalars())

    async def invoice(self, invoice_id: str) -> Invoice | None:
        query = sa.select(invoices.c.document).where(invoices.c.invoice_id == invoice_id)
        document: Invoice | None = (await self.session.execute(query)).scalar_one_or_none()
        return document

    async def invoice_numbers(self) -> list[int]:
        return list(
            (await self.session.execute(sa.select(invoices.c.number).order_by(invoices.c.number))).scalars()
        )

    # -- credit notes: a sequence of their own, gapless as the invoices' ------------------------
    async def next_credit_note_number(self) -> int:
        return await self.advance_invoice_counter(1, counter="credit_note")

    async def save_credit_note(self, note: CreditNote) -> None:
        await self.session.execute(
            sa.insert(credit_notes).values(
                credit_note_id=note.credit_note_id, number=note.number, invoice_id=note.invoice_id,
                user_id=note.user_id, subscription_id=note.subscription_id, issued_at=note.issued_at,
                currency=note.currency, total=note.total, document=note,
            )
        )  # fmt: skip

    async def credit_notes_of(self, user_id: str) -> list[CreditNote]:
        query = sa.select(credit_notes.c.document).where(credit_notes.c.user_id == user_id)
        return list((await self.session.execute(query.order_by(credit_notes.c.number))).scalars())

    async def credit_note(self, credit_note_id: str) -> CreditNote | None:
        query = sa.select(credit_notes.c.document).where(credit_notes.c.credit_note_id == credit_note_id)
        note: CreditNote | None = (await self.session.execute(query)).scalar_one_or_none()
        return note

    # -- trials ------------------------------------------------------------------------------
    async def claim_trial(self, claims: Sequence[str], *, subscription_id: str, at: dt.datetime) -> bool:
        """True when none of the claims (the account, the card) had a trial yet; then claims them."""
        taken = await self.session.execute(
            sa.select(trial_claims.c.claim).where(trial_claims.c.claim.in_(claims))
        )
        if taken.first() is not None:
            return False
        rows = [{"claim": claim, "subscription_id": subscription_id, "claimed_at": at} for claim in claims]
        try:
            async with self.session.begin_nested():  # a concurrent checkout with the same card
                await self.session.execute(sa.insert(trial_claims), rows)
        except IntegrityError:
            return False
        return True


def entries_after(
    subscription_id: str,
    *,
    after_version: int,
    data: Sequence[Data],
    effective_at: dt.datetime,
    recorded_at: dt.datetime,
    causation: str | None,
    idempotency_key: str,
) -> list[Entry]:
    """`data` as the entries following `after_version`: the first carries `idempotency_key`, the
    others the key suffixed with their position."""
    return [
        Entry(
            subscription_id=subscription_id,
            version=after_version + position + 1,
            effective_at=effective_at,
            recorded_at=recorded_at,
            causation=causation,
            idempotency_key=idempotency_key if position == 0 else f"{idempotency_key}#{position}",
            data=item,
        )
        for position, item in enumerate(data)
    ]


def entry_of_row(row: sa.RowMapping) -> Entry:
    return Entry(
        subscription_id=row["subscription_id"],
        version=row["version"],
        effective_at=utc(row["effective_at"]),
        recorded_at=utc(row["recorded_at"]),
        causation=row["causation"],
        idempotency_key=row["idempotency_key"],
        data=row["data"],
    )
