"""The sandbox payment provider: clearly test mode, no money moves, no real card is accepted.

It takes Stripe's published test numbers and behaves as Stripe's test mode does for them:
4242 4242 4242 4242 (and 5555 5555 5555 4444) pay; 4000 0000 0000 0002 is declined when attached;
4000 0000 0000 9995 is declined for insufficient funds; 4000 0000 0000 0341 attaches but every
charge on it is declined; 4000 0025 0000 3155 asks for the bank's confirmation (3-D Secure) on
every charge, which the customer gives or refuses through `confirm` (off-session, with nobody to
confirm, the charge is declined with `authentication_required`).

It keeps its cards and charges in tables of its own, written in
transactions of their own, as a remote provider would: a charge is made once per idempotency key,
and asked again with the key it answers with the charge it made.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.billing.domain.errors import InvalidPaymentMethod, PaymentDeclined
from cinemesh.billing.domain.ledger import PaymentMethod
from cinemesh.billing.domain.payments import (
    AUTHENTICATION_REQUIRED,
    CardDetails,
    ChargeResult,
    PaymentDetails,
    RefundResult,
)
from cinemesh.platform.db import Database
from cinemesh.platform.ids import new_id

metadata = sa.MetaData()

payment_methods = sa.Table(
    "sandbox_payment_methods",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("user_id", sa.String(36), nullable=False),
    sa.Column("behaviour", sa.String(32), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

charges = sa.Table(
    "sandbox_charges",
    metadata,
    sa.Column("idempotency_key", sa.String(200), primary_key=True),
    sa.Column("charge_id", sa.String(40), nullable=False),
    sa.Column("payment_method_id", sa.String(40), nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("paid", sa.Boolean, nullable=False),
    sa.Column("decline_code", sa.String(40)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

refunds = sa.Table(
    "sandbox_refunds",
    metadata,
    sa.Column("idempotency_key", sa.String(200), primary_key=True),
    sa.Column("refund_id", sa.String(40), nullable=False),
    sa.Column("charge_id", sa.String(40), nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)


def _refunded(charge_id: str) -> sa.Select[tuple[int]]:
    return sa.select(sa.func.coalesce(sa.func.sum(refunds.c.amount), 0)).where(
        refunds.c.charge_id == charge_id
    )


# number -> (brand, behaviour on attach or charge)
TEST_CARDS: dict[str, tuple[str, str]] = {
    "4242424242424242": ("visa", "succeeds"),
    "5555555555554444": ("mastercard", "succeeds"),
    "4000000000000002": ("visa", "card_declined"),
    "4000000000009995": ("visa", "insufficient_funds"),
    "4000000000000341": ("visa", "declines_charges"),
    "4000002500003155": ("visa", "requires_authentication"),
}

# A charge's decline code by the card's behaviour (a card that declines when attached never charges).
_DECLINES = {"declines_charges": "card_declined", "authentication_failed": "authentication_failed"}

# The customer's answer on the sandbox's stand-in for the bank's 3-D Secure page, per charge key.
confirmations = sa.Table(
    "sandbox_confirmations",
    metadata,
    sa.Column("idempotency_key", sa.String(200), primary_key=True),
    sa.Column("approved", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)


class SandboxProvider:
    name = "sandbox"
    test_mode = True

    def __init__(self, database: Database, *, writer: asyncio.Lock | None = None) -> None:
        self.database = database
        # On SQLite: the lock billing's own writers queue on (LedgerAccess.writer). Without it, a
        # charge and a ledger transaction race for SQLite's file lock, and the loser sleeps in
        # SQLite's busy handler (1, 2, 5 ... 100 ms) instead of waiting its turn.
        self._writer = writer
        self.charge_calls = 0  # charges actually made (not replays): what the benchmark compares

    def _writing(self) -> contextlib.AbstractAsyncContextManager[object]:
        return self._writer or contextlib.nullcontext()

    async def close(self) -> None:
        """Nothing to release: the sandbox lives in billing's database."""

    async def attach(self, *, user_id: str, details: PaymentDetails) -> PaymentMethod:
        if not isinstance(details, CardDetails):
            raise InvalidPaymentMethod(
                "The sandbox takes test card numbers, not provider ids.", field="payment_method.type"
            )
        card = details
        number = card.number.replace(" ", "")
        known = TEST_CARDS.get(number)
        if known is None:
            raise InvalidPaymentMethod(
                "The sandbox (test mode) takes only test card numbers, e.g. 4242424242424242; "
                "no real card is charged here.",
                field="payment_method.number",
            )
        now = dt.datetime.now(dt.UTC)
        if (card.exp_year, card.exp_month) < (now.year, now.month):
            raise InvalidPaymentMethod("The card has expired.", field="payment_method.exp_year")
        brand, behaviour = known
        if behaviour in ("card_declined", "insufficient_funds"):
            raise PaymentDeclined(f"The card was declined ({behaviour}).", decline_code=behaviour)
        method_id = f"pm_sandbox_{new_id().hex[:24]}"
        async with self._writing(), self.database.transaction() as session:
            await session.execute(
                sa.insert(payment_methods).values(
                    id=method_id, user_id=user_id, behaviour=behaviour, created_at=now
                )
            )
        return PaymentMethod(
            type="credit_card",
            provider_ref=method_id,
            brand=brand,
            last_four=number[-4:],
            exp_month=card.exp_month,
            exp_year=card.exp_year,
            fingerprint=hashlib.sha256(f"sandbox-card:{number}".encode()).hexdigest()[:24],
        )

    async def charge(
        self, *, payment_method: PaymentMethod, amount: int, currency: str, idempotency_key: str
    ) -> ChargeResult:
        async with self._writing(), self.database.transaction() as session:
            earlier = await self._charge(session, idempotency_key)
            if earlier is not None:
                return earlier
            behaviour = (
                await session.execute(
                    sa.select(payment_methods.c.behaviour).where(
                        payment_methods.c.id == payment_method.provider_ref
                    )
                )
            ).scalar_one_or_none()
            if behaviour == "requires_authentication":
                answer = await self._confirmation(session, idempotency_key)
                if answer is None:  # not confirmed yet: nothing is charged, nothing kept
                    return ChargeResult(charge_id=None, decline_code=AUTHENTICATION_REQUIRED)
                behaviour = "succeeds" if answer else "authentication_failed"
            paid = behaviour == "succeeds"
            decline = None if paid else _DECLINES.get(behaviour or "", "payment_method_unknown")
            charge_id = f"ch_sandbox_{new_id().hex[:24]}"
            try:
                async with session.begin_nested():
                    await session.execute(
                        sa.insert(charges).values(
                            idempotency_key=idempotency_key, charge_id=charge_id,
                            payment_method_id=payment_method.provider_ref, amount=amount, currency=currency,
                            paid=paid, decline_code=decline, created_at=dt.datetime.now(dt.UTC),
                        )
                    )  # fmt: skip
            except IntegrityError:  # the same key at the same moment: the other one charged
                replay = await self._charge(session, idempotency_key)
                assert replay is not None
                return replay
        self.charge_calls += 1
        return ChargeResult(charge_id=charge_id if paid else None, decline_code=decline)

    async def confirm(self, *, charge_key: str, approve: bool) -> None:
        async with self._writing(), self.database.transaction() as session:
            if await self._confirmation(session, charge_key) is None:
                await session.execute(
                    sa.insert(confirmations).values(
                        idempotency_key=charge_key, approved=approve, created_at=dt.datetime.now(dt.UTC)
                    )
                )

    async def _confirmation(self, session: AsyncSession, key: str) -> bool | None:
        query = sa.select(confirmations.c.approved).where(confirmations.c.idempotency_key == key)
        answer: bool | None = (await session.execute(query)).scalar_one_or_none()
        return answer

    async def _charge(self, session: AsyncSession, key: str) -> ChargeResult | None:
        row = (
            (await session.execute(sa.select(charges).where(charges.c.idempotency_key == key)))
            .mappings()
            .first()
        )
        if row is None:
            return None
        return ChargeResult(
            charge_id=row["charge_id"] if row["paid"] else None, decline_code=row["decline_code"]
        )

    async def refund(
        self, *, charge_id: str, amount: int, currency: str, idempotency_key: str
    ) -> RefundResult:
        """Gives back part of a paid charge, never more than it took; once per key."""
        async with self._writing(), self.database.transaction() as session:
            done = await session.execute(
                sa.select(refunds.c.refund_id).where(refunds.c.idempotency_key == idempotency_key)
            )
            earlier = done.scalar_one_or_none()
            if earlier is not None:
                return RefundResult(refund_id=earlier, failure_code=None)
            charged = (
                await session.execute(
                    sa.select(charges.c.amount, charges.c.currency).where(
                        charges.c.charge_id == charge_id, charges.c.paid.is_(True)
                    )
                )
            ).first()
            if charged is None or charged.currency != currency:
                return RefundResult(refund_id=None, failure_code="charge_not_found")
            given = await session.execute(
                sa.select(sa.func.coalesce(sa.func.sum(refunds.c.amount), 0)).where(
                    refunds.c.charge_id == charge_id
                )
            )
            if int(given.scalar_one()) + amount > charged.amount:
                return RefundResult(refund_id=None, failure_code="amount_too_large")
            refund_id = f"re_sandbox_{new_id().hex[:24]}"
            await session.execute(
                sa.insert(refunds).values(
                    idempotency_key=idempotency_key, refund_id=refund_id, charge_id=charge_id, amount=amount,
                    created_at=dt.datetime.now(dt.UTC),
                )
            )  # fmt: skip
        return RefundResult(refund_id=refund_id, failure_code=None)

    async def refunds_of(self, charge_id: str) -> int:
        """How much of a charge was given back (tests: exactly once per refund)."""
        async with self.database.transaction() as session:
            query = sa.select(sa.func.coalesce(sa.func.sum(refunds.c.amount), 0)).where(
                refunds.c.charge_id == charge_id
            )
            return int((await session.execute(query)).scalar_one())

    async def charges_for(self, payment_method_ref: str) -> int:
        """How many charges were made on a method (tests: exactly one per period)."""
        async with self.database.transaction() as session:
            query = sa.select(sa.func.count()).where(charges.c.payment_method_id == payment_method_ref)
            return int((await session.execute(query)).scalar_one())
