"""A profile's `watch_history_included` preference (users' projection): false keeps its viewing
out of recommendations (the outbound events carry it).

Revision ID: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.add_column(
        "history_profiles",
        sa.Column("watch_history_included", sa.Boolean, nullable=False, server_default=sa.true()),
    )


def downgrade() -> None:
    with op.batch_alter_table("history_profiles") as batch:
        batch.drop_column("watch_history_included")
