"""Trailers: what a playable is (a trailer plays without a subscription), what a video was
uploaded as, and whether a session takes one of the plan's concurrent streams.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    # Null for contents published before this revision: titles and episodes, never trailers.
    op.add_column("playables", sa.Column("content_type", sa.String(32), nullable=True))
    # Every video before media's `kind` was its title's own.
    op.add_column("videos", sa.Column("kind", sa.String(16), nullable=False, server_default="feature"))
    # Every session before this revision counted.
    op.add_column(
        "playback_sessions",
        sa.Column("counts_toward_limit", sa.Boolean(), nullable=False, server_default=sa.true()),
    )


def downgrade() -> None:
    with op.batch_alter_table("playback_sessions") as batch:
        batch.drop_column("counts_toward_limit")
    with op.batch_alter_table("videos") as batch:
        batch.drop_column("kind")
    with op.batch_alter_table("playables") as batch:
        batch.drop_column("content_type")
