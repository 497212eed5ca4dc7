"""Online resharding's state: the target ring during a move, the users already moved, and a
version every change of the ring bumps (processes reload when theirs differs).

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.add_column("history_ring", sa.Column("target", sa.JSON, nullable=True))
    op.add_column("history_ring", sa.Column("version", sa.BigInteger, nullable=False, server_default="1"))
    op.create_table("history_moved_users", sa.Column("user_id", sa.String(36), primary_key=True))


def downgrade() -> None:
    op.drop_table("history_moved_users")
    with op.batch_alter_table("history_ring") as batch:
        batch.drop_column("version")
        batch.drop_column("target")
