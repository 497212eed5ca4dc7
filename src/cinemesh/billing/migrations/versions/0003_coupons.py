"""Coupons and promotion codes.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "billing_coupons",
        sa.Column("coupon_id", sa.String(64), primary_key=True),
        sa.Column("terms", sa.JSON, nullable=False),
        sa.Column("redemptions", sa.Integer, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "billing_promotion_codes",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("coupon_id", sa.String(64), nullable=False, index=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("billing_promotion_codes")
    op.drop_table("billing_coupons")
