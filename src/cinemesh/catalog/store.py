"""The catalog's own tables and the queries on them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, Integer, String, Text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from cinemesh.catalog.domain import ContentType, Title, TitleStatus
from cinemesh.contracts.ratings import MaturityRating


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: DateTime(timezone=True), list[str]: JSON}


class TitleRow(Base):
    __tablename__ = "titles"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    maturity_rating: Mapped[str | None] = mapped_column(String(8))
    release_year: Mapped[int | None] = mapped_column(Integer)
    genres: Mapped[list[str]]
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]

    def to_title(self) -> Title:
        return Title(
            title_id=self.id,
            title=self.title,
            content_type=ContentType(self.content_type),
            status=TitleStatus(self.status),
            created_by=self.created_by,
            created_at=_utc(self.created_at),
            updated_at=_utc(self.updated_at),
            description=self.description,
            maturity_rating=MaturityRating(self.maturity_rating) if self.maturity_rating else None,
            release_year=self.release_year,
            genres=list(self.genres),
        )

    @classmethod
    def of(cls, title: Title) -> TitleRow:
        return cls(
            id=title.title_id,
            title=title.title,
            content_type=title.content_type.value,
            status=title.status.value,
            description=title.description,
            maturity_rating=title.maturity_rating.value if title.maturity_rating else None,
            release_year=title.release_year,
            genres=title.genres,
            created_by=title.created_by,
            created_at=title.created_at,
            updated_at=title.updated_at,
        )


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class TitleStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, title: Title) -> None:
        self.session.add(TitleRow.of(title))

    async def get(self, title_id: str) -> Title | None:
        row = await self.session.get(TitleRow, title_id)
        return row.to_title() if row else None
