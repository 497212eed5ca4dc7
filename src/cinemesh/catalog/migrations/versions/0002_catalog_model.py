"""Normalised write model (genres, languages, credits, seasons, episodes, windows, media), the
read model (title documents and their browse index tables) and the viewer-profile projection.

Revision ID: 0002
"""

import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"

JSON_DOCUMENT = sa.JSON().with_variant(JSONB(), "postgresql")
UTC_TIME = sa.DateTime(timezone=True)


def _title_fk() -> sa.ForeignKey:
    return sa.ForeignKey("titles.id", ondelete="CASCADE")


def upgrade() -> None:
    with op.batch_alter_table("titles") as titles:
        titles.add_column(sa.Column("external_id", sa.String(200)))
        titles.add_column(sa.Column("release_date", sa.Date))
        titles.add_column(sa.Column("runtime_minutes", sa.Integer))
        titles.add_column(sa.Column("video_id", sa.String(64)))
        titles.add_column(sa.Column("published_at", UTC_TIME))
        titles.add_column(sa.Column("version", sa.Integer, nullable=False, server_default="1"))
        titles.create_unique_constraint("uq_titles_external_id", ["external_id"])
    op.create_table(
        "title_genres",
        sa.Column("title_id", sa.String(36), _title_fk(), primary_key=True),
        sa.Column("genre", sa.String(40), primary_key=True),
    )
    # Genres moved from a JSON column of titles to rows.
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, genres FROM titles")).all()
    genres_table = sa.table("title_genres", sa.column("title_id"), sa.column("genre"))
    for title_id, genres in rows:
        # SQLite hands JSON back as text, PostgreSQL as a list.
        values = json.loads(genres) if isinstance(genres, str) else genres
        if values:
            op.bulk_insert(genres_table, [{"title_id": title_id, "genre": g} for g in sorted(set(values))])
    with op.batch_alter_table("titles") as titles:
        titles.drop_column("genres")

    op.create_table(
        "title_languages",
        sa.Column("title_id", sa.String(36), _title_fk(), primary_key=True),
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("language", sa.String(16), primary_key=True),
    )
    op.create_table(
        "title_credits",
        sa.Column("title_id", sa.String(36), _title_fk(), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("character", sa.String(200)),
    )
    op.create_table(
        "seasons",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("title_id", sa.String(36), _title_fk(), nullable=False, index=True),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("name", sa.String(300)),
        sa.UniqueConstraint("title_id", "number"),
    )
    op.create_table(
        "episodes",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "season_id",
            sa.String(36),
            sa.ForeignKey("seasons.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("synopsis", sa.Text),
        sa.Column("runtime_minutes", sa.Integer),
        sa.Column("video_id", sa.String(64)),
        sa.UniqueConstraint("season_id", "number"),
    )
    op.create_table(
        "availability_windows",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("title_id", sa.String(36), _title_fk(), nullable=False, index=True),
        sa.Column("content_id", sa.String(36), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("starts_at", UTC_TIME, nullable=False),
        sa.Column("ends_at", UTC_TIME),
    )
    op.create_table(
        "title_media",
        sa.Column("title_id", sa.String(36), _title_fk(), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("ref", sa.String(300), nullable=False),
        sa.Column("content_type", sa.String(64)),
        sa.Column("size_bytes", sa.Integer),
        sa.Column("etag", sa.String(80)),
    )

    op.create_table(
        "title_documents",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("maturity_rating", sa.String(8)),
        sa.Column("release_year", sa.Integer),
        sa.Column("sort_title", sa.String(300), nullable=False),
        sa.Column("sort_newest", UTC_TIME, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("document", JSON_DOCUMENT, nullable=False),
        sa.Column("card", JSON_DOCUMENT, nullable=False),
    )
    op.create_index("ix_title_documents_by_title", "title_documents", ["status", "sort_title", "id"])
    op.create_index("ix_title_documents_by_newest", "title_documents", ["status", "sort_newest", "id"])
    document_fk = sa.ForeignKey("title_documents.id", ondelete="CASCADE")
    op.create_table(
        "document_windows",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("title_id", sa.String(36), document_fk, nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("starts_at", UTC_TIME, nullable=False),
        sa.Column("ends_at", UTC_TIME),
    )
    op.create_index("ix_document_windows_lookup", "document_windows", ["title_id", "country", "starts_at"])
    op.create_table(
        "document_genres",
        sa.Column(
            "title_id",
            sa.String(36),
            sa.ForeignKey("title_documents.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("genre", sa.String(40), primary_key=True, index=True),
    )
    op.create_table(
        "document_languages",
        sa.Column(
            "title_id",
            sa.String(36),
            sa.ForeignKey("title_documents.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("language", sa.String(16), primary_key=True, index=True),
    )
    op.create_table(
        "viewer_profiles",
        sa.Column("profile_id", sa.String(36), primary_key=True),
        sa.Column("user_id", sa.String(36), nullable=False, index=True),
        sa.Column("is_kids", sa.Boolean, nullable=False),
        sa.Column("max_maturity_rating", sa.String(8)),
    )


def downgrade() -> None:
    for table in (
        "viewer_profiles",
        "document_languages",
        "document_genres",
        "document_windows",
        "title_documents",
        "title_media",
        "availability_windows",
        "episodes",
        "seasons",
        "title_credits",
        "title_languages",
        "title_genres",
    ):
        op.drop_table(table)
    with op.batch_alter_table("titles") as titles:
        titles.add_column(sa.Column("genres", sa.JSON, nullable=False, server_default="[]"))
        titles.drop_constraint("uq_titles_external_id", type_="unique")
        for column in (
            "external_id",
            "release_date",
            "runtime_minutes",
            "video_id",
            "published_at",
            "version",
        ):
            titles.drop_column(column)
