"""When each snapshot was stored: an API process whose consumer group is shared with a worker
picks up what the worker stored.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.add_column("discovery_titles", sa.Column("stored_at", sa.DateTime(timezone=True)))
    op.create_index("ix_discovery_titles_stored_at", "discovery_titles", ["stored_at"])


def downgrade() -> None:
    op.drop_index("ix_discovery_titles_stored_at", "discovery_titles")
    op.drop_column("discovery_titles", "stored_at")
