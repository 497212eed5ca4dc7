"""What an upload is to its title: its own video ("feature") or a trailer.

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    # Every upload before this revision was its title's own video, hence the server default.
    op.add_column("videos", sa.Column("kind", sa.String(16), nullable=False, server_default="feature"))


def downgrade() -> None:
    with op.batch_alter_table("videos") as batch:
        batch.drop_column("kind")
