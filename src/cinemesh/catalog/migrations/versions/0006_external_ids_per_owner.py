"""External ids are unique per creator, not across the catalog: an import or a create looks only
at the caller's own titles, so another provider's ids cannot be probed (issue 20).

Revision ID: 0006
"""

from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    with op.batch_alter_table("titles") as titles:
        titles.drop_constraint("uq_titles_external_id", type_="unique")
        titles.create_unique_constraint("uq_titles_owner_external_id", ["created_by", "external_id"])


def downgrade() -> None:
    # Fails if two creators now share an external id: which title keeps it is not ours to guess.
    with op.batch_alter_table("titles") as titles:
        titles.drop_constraint("uq_titles_owner_external_id", type_="unique")
        titles.create_unique_constraint("uq_titles_external_id", ["external_id"])
