"""Gift cards: a balance in one currency, spent by charges until it runs out (the seed schema's
`gift_card` payment type). Billing is its own provider here: codes are stored hashed (a code is
a bearer secret), and a charge is made once per idempotency key, as with any provider."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from cinemesh.billing.domain.errors import InvalidPaymentMethod
from cinemesh.billing.domain.ledger import PaymentMethod
from cinemesh.billing.domain.payments import ChargeResult, GiftCardCode, RefundResult
from cinemesh.platform.db import Database, rows_affected

metadata = sa.MetaData()
_TS = sa.DateTime(timezone=True)

gift_cards = sa.Table(
    "billing_gift_cards",
    metadata,
    sa.Column("card_id", sa.String(40), primary_key=True),  # "gc_" + a hash of the code
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("initial", sa.BigInteger, nullable=False),
    sa.Column("balance", sa.BigInteger, nullable=False),
    sa.Column("created_at", _TS, nullable=False),
)

gift_card_charges = sa.Table(
    "billing_gift_card_charges",
    metadata,
    sa.Column("idempotency_key", sa.String(200), primary_key=True),
    sa.Column("card_id", sa.String(40), nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("paid", sa.Boolean, nullable=False),
    sa.Column("decline_code", sa.String(40)),
    sa.Column("created_at", _TS, nullable=False),
)

gift_card_refunds = sa.Table(
    "billing_gift_card_refunds",
    metadata,
    sa.Column("idempotency_key", sa.String(200), primary_key=True),
    sa.Column("card_id", sa.String(40), nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("created_at", _TS, nullable=False),
)

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


def card_id_of(code: str) -> str:
    normalized = code.replace("-", "").replace(" ", "").upper()
    return "gc_" + hashlib.sha256(f"gift-card:{normalized}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class IssuedGiftCard:
    code: str  # shown once, never stored
    currency: str
    balance: int


class GiftCards:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def issue(self, *, amount: int, currency: str) -> IssuedGiftCard:
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(16))
        code = "-".join(raw[i : i + 4] for i in range(0, 16, 4))
        async with self.database.transaction() as session:
            await session.execute(
                sa.insert(gift_cards).values(
                    card_id=card_id_of(code), currency=currency, initial=amount, balance=amount,
                    created_at=dt.datetime.now(dt.UTC),
                )
            )  # fmt: skip
        return IssuedGiftCard(code=code, currency=currency, balance=amount)

    async def attach(self, details: GiftCardCode) -> PaymentMethod:
        card_id = card_id_of(details.code)
        async with self.database.transaction() as session:
            row = (
                await session.execute(sa.select(gift_cards).where(gift_cards.c.card_id == card_id))
            ).first()
        if row is None:
            raise InvalidPaymentMethod("No gift card has this code.", field="payment_method.code")
        return PaymentMethod(
            type="gift_card", provider_ref=card_id, brand=None, last_four=None, exp_month=None, exp_year=None,
            fingerprint=card_id,
        )  # fmt: skip

    async def balance(self, card_id: str) -> int:
        async with self.database.transaction() as session:
            query = sa.select(gift_cards.c.balance).where(gift_cards.c.card_id == card_id)
            return int((await session.execute(query)).scalar_one())

    async def charge(self, *, card_id: str, amount: int, currency: str, idempotency_key: str) -> ChargeResult:
        async with self.database.transaction() as session:
            done = (
                (
                    await session.execute(
                        sa.select(gift_card_charges).where(
                            gift_card_charges.c.idempotency_key == idempotency_key
                        )
                    )
                )
                .mappings()
                .first()
            )
            if done is not None:
                return ChargeResult(idempotency_key if done["paid"] else None, done["decline_code"])
            # spend atomically: only a card with this currency and enough left is debited
            spent = await session.execute(
                sa.update(gift_cards)
                .where(gift_cards.c.card_id == card_id, gift_cards.c.currency == currency,
                       gift_cards.c.balance >= amount)
                .values(balance=gift_cards.c.balance - amount)
            )  # fmt: skip
            paid = rows_affected(spent) == 1
            decline = None if paid else "insufficient_funds"
            try:
                async with session.begin_nested():
                    await session.execute(
                        sa.insert(gift_card_charges).values(
                            idempotency_key=idempotency_key, card_id=card_id, amount=amount, paid=paid,
                            decline_code=decline, created_at=dt.datetime.now(dt.UTC),
                        )
                    )  # fmt: skip
            except IntegrityError as exc:  # the same key at the same moment: retry reads its answer
                raise ConnectionError("concurrent gift card charge with one key") from exc
        return ChargeResult(idempotency_key if paid else None, decline)

    async def refund(self, *, card_id: str, amount: int, idempotency_key: str) -> RefundResult:
        """Puts `amount` back on the card's balance, once per key (in one transaction with the
        record of it, so a retry finds the record and gives nothing twice)."""
        async with self.database.transaction() as session:
            try:
                async with session.begin_nested():
                    await session.execute(
                        sa.insert(gift_card_refunds).values(
                            idempotency_key=idempotency_key, card_id=card_id, amount=amount,
                            created_at=dt.datetime.now(dt.UTC),
                        )
                    )  # fmt: skip
            except IntegrityError:  # given back already
                return RefundResult(refund_id=idempotency_key, failure_code=None)
            restored = await session.execute(
                sa.update(gift_cards)
                .where(gift_cards.c.card_id == card_id)
                .values(balance=gift_cards.c.balance + amount)
            )
            if rows_affected(restored) != 1:
                raise LookupError(f"gift card {card_id} is gone")
        return RefundResult(refund_id=idempotency_key, failure_code=None)
