"""Profiles, devices, my list, parental controls; lockout, session generation, mail tokens, OIDC
identities and key rotation times.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

_TS = sa.DateTime(timezone=True)


def _user_fk() -> sa.Column[str]:
    return sa.Column(
        "user_id", sa.String(36), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("session_generation", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("locked_until", _TS))
    with op.batch_alter_table("signing_keys") as batch:
        batch.add_column(sa.Column("activates_at", _TS))
        batch.add_column(sa.Column("retire_at", _TS))
    op.create_table(
        "profiles",
        sa.Column("id", sa.String(36), primary_key=True),
        _user_fk(),
        sa.Column("name", sa.String(15), nullable=False),
        sa.Column("is_kids", sa.Boolean, nullable=False),
        sa.Column("is_main", sa.Boolean, nullable=False),
        sa.Column("max_maturity_rating", sa.String(8)),
        sa.Column("preferences", sa.JSON, nullable=False),
        sa.Column("avatar", sa.JSON),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("last_accessed", _TS),
    )
    op.create_table(
        "devices",
        sa.Column("id", sa.String(36), primary_key=True),
        _user_fk(),
        sa.Column("device_type", sa.String(16), nullable=False),
        sa.Column("device_name", sa.String(100)),
        sa.Column("manufacturer", sa.String(100)),
        sa.Column("model", sa.String(100)),
        sa.Column("os", sa.String(100)),
        sa.Column("app_version", sa.String(50)),
        sa.Column("first_registered", _TS, nullable=False),
        sa.Column("last_active", _TS),
        sa.Column("notifications_enabled", sa.Boolean, nullable=False),
        sa.Column("offline_downloads_enabled", sa.Boolean, nullable=False),
        sa.Column("active_profile", sa.String(36)),
    )
    op.create_table(
        "list_items",
        _user_fk(),
        sa.Column("profile_id", sa.String(36), nullable=False),
        sa.Column("content_id", sa.String(100), nullable=False),
        sa.Column("content_type", sa.String(16), nullable=False),
        sa.Column("added_date", _TS, nullable=False),
        sa.PrimaryKeyConstraint("user_id", "profile_id", "content_id"),
    )
    op.create_table(
        "parental_controls",
        sa.Column("user_id", sa.String(36), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("max_maturity_rating", sa.String(8)),
        sa.Column("pin_hash", sa.String(255)),
        sa.Column("restricted_profiles", sa.JSON, nullable=False),
        sa.Column("failed_pins", sa.Integer, nullable=False, server_default="0"),
        sa.Column("pin_locked_until", _TS),
    )
    op.create_table(
        "mail_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        _user_fk(),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("used_at", _TS),
    )
    op.create_table(
        "oidc_identities",
        sa.Column("provider", sa.String(50), primary_key=True),
        sa.Column("subject", sa.String(255), primary_key=True),
        _user_fk(),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("linked_at", _TS, nullable=False),
    )


def downgrade() -> None:
    for table in ("oidc_identities", "mail_tokens", "parental_controls", "list_items", "devices", "profiles"):
        op.drop_table(table)
    with op.batch_alter_table("signing_keys") as batch:
        batch.drop_column("retire_at")
        batch.drop_column("activates_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("failed_logins")
        batch.drop_column("session_generation")
