"""Devices remember the app installation that registered them, so the same browser (or app)
signing in again reuses its device instead of filling the account's ten slots.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("installation_id", sa.String(64)))
    # One device per installation and account: two registrations racing (a page and its player)
    # cannot both insert. NULLs (devices registered without an installation id) never collide.
    op.create_index("ux_devices_installation", "devices", ["user_id", "installation_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_devices_installation", table_name="devices")
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("installation_id")
