"""Titles, outbox and inbox.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

from cinemesh.platform.events.outbox import create_messaging_tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "titles",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False, index=True),
        sa.Column("description", sa.Text),
        sa.Column("maturity_rating", sa.String(8)),
        sa.Column("release_year", sa.Integer),
        sa.Column("genres", sa.JSON, nullable=False),
        sa.Column("created_by", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    create_messaging_tables(op)


def downgrade() -> None:
    op.drop_table("titles")
