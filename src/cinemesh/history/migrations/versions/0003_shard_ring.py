"""The shard ring's snapshot (docs/history.md, "Sharding"); empty without shards.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "history_ring",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("snapshot", sa.JSON, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("history_ring")
