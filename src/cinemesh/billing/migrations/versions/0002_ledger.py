"""The subscription ledger, its due index, invoices and their counter, idempotency records, trial
claims, and the sandbox provider's cards and charges.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

_TS = sa.DateTime(timezone=True)
_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "billing_accounts",
        sa.Column("user_id", sa.String(36), primary_key=True),
        sa.Column("subscription_id", sa.String(36)),
    )
    op.create_table(
        "billing_subscriptions",
        sa.Column("subscription_id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(36), nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("plan", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("due_at", _TS, index=True),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_table(
        "billing_ledger",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("subscription_id", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("effective_at", _TS, nullable=False),
        sa.Column("recorded_at", _TS, nullable=False),
        sa.Column("causation", sa.String(200)),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.UniqueConstraint("subscription_id", "version", name="uq_billing_ledger_version"),
        sa.UniqueConstraint("subscription_id", "idempotency_key", name="uq_billing_ledger_key"),
    )
    counters = op.create_table(
        "billing_counters",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(counters, [{"name": "invoice", "value": 0}])
    op.create_table(
        "billing_invoices",
        sa.Column("invoice_id", sa.String(36), primary_key=True),
        sa.Column("number", sa.BigInteger, nullable=False, unique=True),
        sa.Column("user_id", sa.String(36), nullable=False, index=True),
        sa.Column("subscription_id", sa.String(36), nullable=False),
        sa.Column("issued_at", _TS, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("total", sa.BigInteger, nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
    )
    op.create_table(
        "billing_idempotency",
        sa.Column("user_id", sa.String(36), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer),
        sa.Column("body", sa.JSON),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "billing_trial_claims",
        sa.Column("claim", sa.String(120), primary_key=True),
        sa.Column("subscription_id", sa.String(36), nullable=False),
        sa.Column("claimed_at", _TS, nullable=False),
    )
    op.create_table(
        "sandbox_payment_methods",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("behaviour", sa.String(32), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "sandbox_charges",
        sa.Column("idempotency_key", sa.String(200), primary_key=True),
        sa.Column("charge_id", sa.String(40), nullable=False),
        sa.Column("payment_method_id", sa.String(40), nullable=False, index=True),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("paid", sa.Boolean, nullable=False),
        sa.Column("decline_code", sa.String(40)),
        sa.Column("created_at", _TS, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "sandbox_charges", "sandbox_payment_methods", "billing_trial_claims", "billing_idempotency",
        "billing_invoices", "billing_counters", "billing_ledger", "billing_subscriptions", "billing_accounts",
    ):  # fmt: skip
        op.drop_table(table)
