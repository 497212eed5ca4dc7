"""Gift cards (codes stored hashed) and their charges.

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "billing_gift_cards",
        sa.Column("card_id", sa.String(40), primary_key=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("initial", sa.BigInteger, nullable=False),
        sa.Column("balance", sa.BigInteger, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "billing_gift_card_charges",
        sa.Column("idempotency_key", sa.String(200), primary_key=True),
        sa.Column("card_id", sa.String(40), nullable=False, index=True),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("paid", sa.Boolean, nullable=False),
        sa.Column("decline_code", sa.String(40)),
        sa.Column("created_at", _TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("billing_gift_card_charges")
    op.drop_table("billing_gift_cards")
