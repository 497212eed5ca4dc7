"""The Stripe adapter's own records: each account's customer, each charge key's PaymentIntent.

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.create_table(
        "billing_stripe_customers",
        sa.Column("user_id", sa.String(36), primary_key=True),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )

    op.create_table(
        "billing_stripe_intents",
        sa.Column("charge_key", sa.String(200), primary_key=True),
        sa.Column("intent_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("billing_stripe_intents")
    op.drop_table("billing_stripe_customers")
