"""Billing's entitlements on the account row: the plan's quality and stream limits as billing's
event states them (null until billing sends one: the tier's defaults apply).

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.add_column("accounts", sa.Column("max_height", sa.Integer(), nullable=True))
    op.add_column("accounts", sa.Column("max_streams", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("max_streams")
        batch.drop_column("max_height")
