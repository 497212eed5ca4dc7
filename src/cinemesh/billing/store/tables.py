"""Billing's tables (SQLAlchemy Core); migrations/versions/0002 creates them."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from pydantic import TypeAdapter

from cinemesh.billing.domain.coupons import CouponTerms
from cinemesh.billing.domain.invoices import Invoice
from cinemesh.billing.domain.ledger import ENTRY_DATA
from cinemesh.billing.domain.refunds import CreditNote
from cinemesh.platform.db_types import PydanticJSON

metadata = sa.MetaData()
TS = sa.DateTime(timezone=True)

# One row per account: what a checkout locks, so two checkouts of one account run one at a time.
accounts = sa.Table(
    "billing_accounts",
    metadata,
    sa.Column("user_id", sa.String(36), primary_key=True),
    sa.Column("subscription_id", sa.String(36)),  # the current (latest) subscription
)

# The due index of the renewal pass, updated with every append (a projection of the ledger).
subscriptions = sa.Table(
    "billing_subscriptions",
    metadata,
    sa.Column("subscription_id", sa.String(36), primary_key=True),
    sa.Column("user_id", sa.String(36), nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("plan", sa.String(16), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("due_at", TS, index=True),  # when the renewal pass next owes it something
    sa.Column("updated_at", TS, nullable=False),
)

ledger = sa.Table(
    "billing_ledger",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("subscription_id", sa.String(36), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("effective_at", TS, nullable=False),
    sa.Column("recorded_at", TS, nullable=False),
    sa.Column("causation", sa.String(200)),
    sa.Column("idempotency_key", sa.String(200), nullable=False),
    sa.Column("data", PydanticJSON(ENTRY_DATA), nullable=False),
    sa.UniqueConstraint("subscription_id", "version", name="uq_billing_ledger_version"),
    sa.UniqueConstraint("subscription_id", "idempotency_key", name="uq_billing_ledger_key"),
)

counters = sa.Table(
    "billing_counters",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

invoices = sa.Table(
    "billing_invoices",
    metadata,
    sa.Column("invoice_id", sa.String(36), primary_key=True),
    sa.Column("number", sa.BigInteger, nullable=False, unique=True),
    sa.Column("user_id", sa.String(36), nullable=False, index=True),
    sa.Column("subscription_id", sa.String(36), nullable=False),
    sa.Column("issued_at", TS, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("total", sa.BigInteger, nullable=False),
    sa.Column("document", PydanticJSON(TypeAdapter(Invoice)), nullable=False),
)

credit_notes = sa.Table(
    "billing_credit_notes",
    metadata,
    sa.Column("credit_note_id", sa.String(36), primary_key=True),
    sa.Column("number", sa.BigInteger, nullable=False, unique=True),
    sa.Column("invoice_id", sa.String(36), nullable=False, index=True),
    sa.Column("user_id", sa.String(36), nullable=False, index=True),
    sa.Column("subscription_id", sa.String(36), nullable=False),
    sa.Column("issued_at", TS, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("total", sa.BigInteger, nullable=False),
    sa.Column("document", PydanticJSON(TypeAdapter(CreditNote)), nullable=False),
)

idempotency = sa.Table(
    "billing_idempotency",
    metadata,
    sa.Column("user_id", sa.String(36), primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("status_code", sa.Integer),  # None while the first request runs
    sa.Column("body", sa.JSON),
    sa.Column("created_at", TS, nullable=False),
)

# One trial per account and per card: claims "user:<id>" and "card:<fingerprint>".
trial_claims = sa.Table(
    "billing_trial_claims",
    metadata,
    sa.Column("claim", sa.String(120), primary_key=True),
    sa.Column("subscription_id", sa.String(36), nullable=False),
    sa.Column("claimed_at", TS, nullable=False),
)


coupons = sa.Table(
    "billing_coupons",
    metadata,
    sa.Column("coupon_id", sa.String(64), primary_key=True),
    sa.Column("terms", PydanticJSON(CouponTerms), nullable=False),
    sa.Column("redemptions", sa.Integer, nullable=False),
    sa.Column("created_at", TS, nullable=False),
)

promotion_codes = sa.Table(
    "billing_promotion_codes",
    metadata,
    sa.Column("code", sa.String(64), primary_key=True),  # upper case: codes are case-insensitive
    sa.Column("coupon_id", sa.String(64), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", TS, nullable=False),
)


# Provider webhook events already received: a redelivery is recognised and skipped.
webhook_events = sa.Table(
    "billing_webhook_events",
    metadata,
    sa.Column("provider", sa.String(16), primary_key=True),
    sa.Column("event_id", sa.String(255), primary_key=True),
    sa.Column("event_type", sa.String(100), nullable=False),
    sa.Column("received_at", TS, nullable=False),
)


def utc(value: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes; every time billing keeps is UTC."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
