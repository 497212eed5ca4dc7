"""The read model's tables: one document per title, and the index rows browse filters on (a row
per window, genre and language, so filters are plain indexed lookups, not JSON scans)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cinemesh.catalog.database import JSON_DOCUMENT, Base


class DocumentRow(Base):
    __tablename__ = "title_documents"
    __table_args__ = (
        Index("ix_title_documents_by_title", "status", "sort_title", "id"),
        Index("ix_title_documents_by_newest", "status", "sort_newest", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    status: Mapped[str] = mapped_column(String(32))
    content_type: Mapped[str] = mapped_column(String(32))
    maturity_rating: Mapped[str | None] = mapped_column(String(8))
    release_year: Mapped[int | None] = mapped_column(Integer)
    sort_title: Mapped[str] = mapped_column(String(300))
    # Release date, or creation time for titles without one; newest first.
    sort_newest: Mapped[dt.datetime]
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(JSON_DOCUMENT)
    card: Mapped[dict[str, Any]] = mapped_column(JSON_DOCUMENT)


class DocumentWindowRow(Base):
    __tablename__ = "document_windows"
    __table_args__ = (Index("ix_document_windows_lookup", "title_id", "country", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title_id: Mapped[str] = mapped_column(ForeignKey("title_documents.id", ondelete="CASCADE"))
    country: Mapped[str] = mapped_column(String(2))  # or "*": worldwide
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime | None]
    # A worldwide window's exceptions as ",FR,DE," (read_model.excepted_column), else "".
    except_countries: Mapped[str] = mapped_column(Text, default="")


class DocumentGenreRow(Base):
    __tablename__ = "document_genres"

    title_id: Mapped[str] = mapped_column(
        ForeignKey("title_documents.id", ondelete="CASCADE"), primary_key=True
    )
    genre: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class DocumentLanguageRow(Base):
    __tablename__ = "document_languages"

    title_id: Mapped[str] = mapped_column(
        ForeignKey("title_documents.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(16), primary_key=True, index=True)
