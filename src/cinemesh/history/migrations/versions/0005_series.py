"""Next up: the projection of catalog's series (playable episodes in order), unsharded.

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.create_table(
        "history_series",
        sa.Column("title_id", sa.String(64), primary_key=True),
        sa.Column("title", sa.String(500)),
        sa.Column("published", sa.Boolean, nullable=False),
        sa.Column("episodes", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("history_series")
