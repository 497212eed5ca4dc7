"""Search: the catalog snapshots the index is loaded from, and the profiles projection.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "discovery_titles",
        sa.Column("title_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("document", sa.JSON, nullable=False),
    )
    op.create_table(
        "discovery_profiles",
        sa.Column("profile_id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(36), nullable=False, index=True),
        sa.Column("is_kids", sa.Boolean, nullable=False),
        sa.Column("max_maturity_rating", sa.String(8)),
    )


def downgrade() -> None:
    op.drop_table("discovery_profiles")
    op.drop_table("discovery_titles")
