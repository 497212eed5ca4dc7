"""Catalog titles media knows (a projection of the catalog's events) and each upload's spool.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "catalog_contents",
        sa.Column("content_id", sa.String(64), primary_key=True),
        sa.Column("title_id", sa.String(64), nullable=False, index=True),
        sa.Column("owner_id", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    # Nullable: uploads created before this revision have no recorded spool and are not checked.
    op.add_column("videos", sa.Column("spool_id", sa.String(36), nullable=True))
    # The sweeper's query: uploading rows idle since a cutoff.
    op.create_index("ix_videos_status_updated", "videos", ["status", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_videos_status_updated", table_name="videos")
    with op.batch_alter_table("videos") as batch:
        batch.drop_column("spool_id")
    op.drop_table("catalog_contents")
