"""Viewing history: the profiles projection (owner, change counter) and one progress row per
profile and content.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "history_profiles",
        sa.Column("profile_id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(36), nullable=False, index=True),
        sa.Column("is_kids", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("paused", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("change_seq", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("removed_seq", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_table(
        "history_progress",
        sa.Column("profile_id", sa.String(36), primary_key=True),
        sa.Column("content_id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(36), nullable=False, index=True),
        sa.Column("title_id", sa.String(64)),
        sa.Column("device_id", sa.String(64)),
        sa.Column("position_seconds", sa.Float),
        sa.Column("duration_seconds", sa.Float),
        sa.Column("completed", sa.Boolean, nullable=False),
        sa.Column("times_watched", sa.Integer, nullable=False),
        sa.Column("hidden", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("watched_at", sa.DateTime(timezone=True)),
        sa.Column("session_id", sa.String(36)),
        sa.Column("sequence", sa.BigInteger, nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True)),
        sa.Column("counted_session_id", sa.String(36)),
        sa.Column("change_seq", sa.BigInteger, nullable=False),
        sa.Column("progress_event_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_history_progress_recent", "history_progress", ["profile_id", "updated_at"])
    op.create_index(
        "ix_history_progress_watched", "history_progress", ["profile_id", "completed", "watched_at"]
    )
    op.create_index("ix_history_progress_changes", "history_progress", ["profile_id", "change_seq"])


def downgrade() -> None:
    op.drop_table("history_progress")
    op.drop_table("history_profiles")
