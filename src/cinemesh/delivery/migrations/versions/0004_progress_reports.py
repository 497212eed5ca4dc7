"""Progress reports: a session counts the heartbeats that carried a position (their sequence in
the `delivery.playback.progress.v1` events viewing history keeps resume points from).

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.add_column("playback_sessions", sa.Column("reports", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("playback_sessions") as batch:
        batch.drop_column("reports")
