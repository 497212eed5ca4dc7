"""Recommendations: the profiles' watches (history's events), the co-watch graph's edges, the
accounts' countries, and each profile's `watch_history_included`.

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.add_column(
        "discovery_profiles",
        sa.Column("watch_history_included", sa.Boolean, nullable=False, server_default=sa.true()),
    )
    op.create_table(
        "discovery_interactions",
        sa.Column("profile_id", sa.String(36), primary_key=True),
        sa.Column("content_id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(36), nullable=False, index=True),
        sa.Column("title_id", sa.String(64), nullable=False),
        sa.Column("strength", sa.Float, nullable=False),
        sa.Column("finished", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "discovery_cowatch",
        sa.Column("title_id", sa.String(64), primary_key=True),
        sa.Column("neighbour_id", sa.String(64), primary_key=True),
        sa.Column("weight", sa.Float, nullable=False),
    )
    op.create_table(
        "discovery_accounts",
        sa.Column("user_id", sa.String(36), primary_key=True),
        sa.Column("country", sa.String(2), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("discovery_accounts")
    op.drop_table("discovery_cowatch")
    op.drop_table("discovery_interactions")
    with op.batch_alter_table("discovery_profiles") as batch:
        batch.drop_column("watch_history_included")
