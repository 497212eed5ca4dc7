"""Projections (playables, videos, profiles, accounts, devices), playback sessions, content keys.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "playables",
        sa.Column("content_id", sa.String(36), primary_key=True),
        sa.Column("title_id", sa.String(36), nullable=False, index=True),
        sa.Column("video_id", sa.String(36), index=True),
        sa.Column("maturity_rating", sa.String(16)),
        sa.Column("published", sa.Boolean, nullable=False),
        sa.Column("windows", sa.JSON, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_table(
        "videos",
        sa.Column("video_id", sa.String(36), primary_key=True),
        sa.Column("title_id", sa.String(36), nullable=False),
        sa.Column("storage_prefix", sa.String(512), nullable=False),
        sa.Column("hls_master_key", sa.String(1024), nullable=False),
        sa.Column("dash_manifest_key", sa.String(1024)),
        sa.Column("thumbnails_vtt_key", sa.String(1024)),
        sa.Column("renditions", sa.JSON, nullable=False),
        sa.Column("complete", sa.Boolean, nullable=False),
        sa.Column("duration_seconds", sa.Float, nullable=False),
        sa.Column("transcoded_at", _TS, nullable=False),
    )
    op.create_table(
        "profiles",
        sa.Column("profile_id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(36), nullable=False, index=True),
        sa.Column("max_maturity_rating", sa.String(16)),
        sa.Column("pin_required", sa.Boolean, nullable=False),
    )
    op.create_table(
        "accounts",
        sa.Column("user_id", sa.String(36), primary_key=True),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("changed_at", _TS),
    )
    op.create_table(
        "devices",
        sa.Column("device_id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(36), nullable=False, index=True),
    )
    op.create_table(
        "playback_sessions",
        sa.Column("session_id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(36), nullable=False, index=True),
        sa.Column("profile_id", sa.String(36), nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("content_id", sa.String(36), nullable=False),
        sa.Column("video_id", sa.String(36), nullable=False, index=True),
        sa.Column("max_height", sa.Integer, nullable=False),
        sa.Column("client_ip", sa.String(64)),
        sa.Column("started_at", _TS, nullable=False),
        sa.Column("last_heartbeat_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("position_seconds", sa.Float),
        sa.Column("ended_at", _TS, index=True),
        sa.Column("end_reason", sa.String(32)),
    )
    op.create_table(
        "content_keys",
        sa.Column("video_id", sa.String(36), primary_key=True),
        sa.Column("kid", sa.String(32), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "content_keys",
        "playback_sessions",
        "devices",
        "accounts",
        "profiles",
        "videos",
        "playables",
    ):
        op.drop_table(table)
