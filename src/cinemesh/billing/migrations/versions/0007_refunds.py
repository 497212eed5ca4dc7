"""Refunds: credit notes with their own gapless counter, and the refunds the sandbox and the gift
card ledger made (once per idempotency key, as the charges).

Revision ID: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    counters = sa.table("billing_counters", sa.column("name", sa.String), sa.column("value", sa.BigInteger))
    op.bulk_insert(counters, [{"name": "credit_note", "value": 0}])
    op.create_table(
        "billing_credit_notes",
        sa.Column("credit_note_id", sa.String(36), primary_key=True),
        sa.Column("number", sa.BigInteger, nullable=False, unique=True),
        sa.Column("invoice_id", sa.String(36), nullable=False, index=True),
        sa.Column("user_id", sa.String(36), nullable=False, index=True),
        sa.Column("subscription_id", sa.String(36), nullable=False),
        sa.Column("issued_at", _TS, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("total", sa.BigInteger, nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
    )
    op.create_table(
        "sandbox_refunds",
        sa.Column("idempotency_key", sa.String(200), primary_key=True),
        sa.Column("refund_id", sa.String(40), nullable=False),
        sa.Column("charge_id", sa.String(40), nullable=False, index=True),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "billing_gift_card_refunds",
        sa.Column("idempotency_key", sa.String(200), primary_key=True),
        sa.Column("card_id", sa.String(40), nullable=False, index=True),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("billing_gift_card_refunds")
    op.drop_table("sandbox_refunds")
    op.drop_table("billing_credit_notes")
    op.execute("DELETE FROM billing_counters WHERE name = 'credit_note'")
