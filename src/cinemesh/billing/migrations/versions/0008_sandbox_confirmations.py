"""The sandbox's stand-in for a bank's 3-D Secure page: the customer's answer per charge key.

Revision ID: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.create_table(
        "sandbox_confirmations",
        sa.Column("idempotency_key", sa.String(200), primary_key=True),
        sa.Column("approved", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sandbox_confirmations")
