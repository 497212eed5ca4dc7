"""Worldwide availability: a window whose country is "*" shows a title everywhere but the
countries it excepts (write model: a JSON list; read model: ",FR,DE," for one LIKE per row).

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.add_column(
        "availability_windows",
        sa.Column("except_countries", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=True),
    )
    op.add_column(
        "document_windows",
        sa.Column("except_countries", sa.Text, nullable=False, server_default=""),
    )


def downgrade() -> None:
    with op.batch_alter_table("document_windows") as batch:
        batch.drop_column("except_countries")
    with op.batch_alter_table("availability_windows") as batch:
        batch.drop_column("except_countries")
