"""Full-text search over the read model (FTS5 on SQLite, tsvector + GIN on PostgreSQL) and the
index the editor listing walks for a content provider's own titles.

Revision ID: 0003
"""

import json

import sqlalchemy as sa
from alembic import op

from cinemesh.catalog.read.domain.search import search_row_of

revision = "0003"
down_revision = "0002"

# The DDL is spelled out rather than built from `search.COLUMNS`: a revision must not change
# when the code that reads the index later does.
SQLITE_INDEX = (
    # External content: the index keeps only postings, the text stays in document_search.
    "CREATE VIRTUAL TABLE document_search_fts USING fts5("
    "title, people, genres, description, episodes,"
    " content='document_search', content_rowid='id', prefix='2 3',"
    " tokenize='unicode61 remove_diacritics 0')"
)
_FTS_INSERT = (
    "INSERT INTO document_search_fts(rowid, title, people, genres, description, episodes)"
    " VALUES (new.id, new.title, new.people, new.genres, new.description, new.episodes);"
)
_FTS_DELETE = (
    "INSERT INTO document_search_fts(document_search_fts, rowid, title, people, genres, description,"
    " episodes) VALUES ('delete', old.id, old.title, old.people, old.genres, old.description,"
    " old.episodes);"
)
SQLITE_TRIGGERS = {
    "document_search_ai": f"AFTER INSERT ON document_search BEGIN {_FTS_INSERT} END",
    "document_search_ad": f"AFTER DELETE ON document_search BEGIN {_FTS_DELETE} END",
    "document_search_au": f"AFTER UPDATE ON document_search BEGIN {_FTS_DELETE} {_FTS_INSERT} END",
}
POSTGRES_VECTOR = (
    "ALTER TABLE document_search ADD COLUMN vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, title), 'A')"
    " || setweight(to_tsvector('simple'::regconfig, people), 'B')"
    " || setweight(to_tsvector('simple'::regconfig, genres), 'B')"
    " || setweight(to_tsvector('simple'::regconfig, description), 'C')"
    " || setweight(to_tsvector('simple'::regconfig, episodes), 'D')) STORED"
)


def upgrade() -> None:
    op.create_table(
        "document_search",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "title_id",
            sa.String(36),
            sa.ForeignKey("title_documents.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("people", sa.Text, nullable=False),
        sa.Column("genres", sa.String(1000), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("episodes", sa.Text, nullable=False),
    )
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        op.execute(SQLITE_INDEX)
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    else:
        op.execute(POSTGRES_VECTOR)
        op.execute("CREATE INDEX ix_document_search_vector ON document_search USING gin (vector)")

    # Documents projected before this revision get their search rows now, as a replay would.
    table = sa.table(
        "document_search",
        *(sa.column(name) for name in ("title_id", "title", "people", "genres", "description", "episodes")),
    )
    for (document,) in connection.execute(sa.text("SELECT document FROM title_documents")).all():
        # SQLite hands JSON back as text, PostgreSQL as a dict.
        loaded = json.loads(document) if isinstance(document, str) else document
        op.bulk_insert(table, [search_row_of(loaded)])

    op.create_index("ix_titles_created_by", "titles", ["created_by", "id"])


def downgrade() -> None:
    op.drop_index("ix_titles_created_by", "titles")
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TABLE document_search_fts")
    op.drop_table("document_search")
