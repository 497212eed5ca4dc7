"""Accounts, signing keys, refresh tokens, outbox and inbox.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

from cinemesh.platform.events.outbox import create_messaging_tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("username", sa.String(30), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255)),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("roles", sa.JSON, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("email_verified", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("email_verified_at", sa.DateTime(timezone=True)),
        sa.Column("first_name", sa.String(50)),
        sa.Column("last_name", sa.String(50)),
        sa.Column("date_of_birth", sa.Date),
        sa.Column("preferences", sa.JSON, nullable=False),
        sa.Column("subscription", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True)),
        sa.Column("last_password_change_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(36), primary_key=True),
        sa.Column("private_key_encrypted", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "refresh_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("family_id", sa.String(36), nullable=False, index=True),
        sa.Column(
            "user_id",
            sa.String(36),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
    )
    create_messaging_tables(op)


def downgrade() -> None:
    for table in ("refresh_tokens", "signing_keys", "users"):
        op.drop_table(table)
