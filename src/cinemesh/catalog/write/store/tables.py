"""The write model: normalised tables of titles and everything that hangs off them.

One `TitleRow` aggregate owns its genres, languages, credits, seasons -> episodes, availability
windows and media. `version` is SQLAlchemy's optimistic lock: two writers racing on one title
(two admins, or an admin and the expiry job in another process) cannot both win.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cinemesh.catalog.database import JSON_DOCUMENT, Base


class TitleRow(Base):
    __tablename__ = "titles"
    # An external id is the provider's own name for a title: unique per creator, not globally,
    # so one provider's ids tell another nothing (migration 0006).
    __table_args__ = (UniqueConstraint("created_by", "external_id", name="uq_titles_owner_external_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    maturity_rating: Mapped[str | None] = mapped_column(String(8))
    release_year: Mapped[int | None] = mapped_column(Integer)
    release_date: Mapped[dt.date | None]
    runtime_minutes: Mapped[int | None] = mapped_column(Integer)
    video_id: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    published_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    genres: Mapped[list[GenreRow]] = relationship(
        cascade="all, delete-orphan", order_by="GenreRow.genre", lazy="raise"
    )
    languages: Mapped[list[LanguageRow]] = relationship(
        cascade="all, delete-orphan", order_by="(LanguageRow.kind, LanguageRow.language)", lazy="raise"
    )
    credits: Mapped[list[CreditRow]] = relationship(
        cascade="all, delete-orphan", order_by="CreditRow.position", lazy="raise"
    )
    seasons: Mapped[list[SeasonRow]] = relationship(
        cascade="all, delete-orphan", order_by="SeasonRow.number", lazy="raise"
    )
    windows: Mapped[list[WindowRow]] = relationship(
        cascade="all, delete-orphan", order_by="(WindowRow.country, WindowRow.starts_at)", lazy="raise"
    )
    media: Mapped[list[MediaRow]] = relationship(
        cascade="all, delete-orphan", order_by="(MediaRow.kind, MediaRow.position)", lazy="raise"
    )

    __mapper_args__ = {"version_id_col": version}


class GenreRow(Base):
    __tablename__ = "title_genres"

    title_id: Mapped[str] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True)
    genre: Mapped[str] = mapped_column(String(40), primary_key=True)


class LanguageRow(Base):
    __tablename__ = "title_languages"

    title_id: Mapped[str] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # audio, subtitle
    language: Mapped[str] = mapped_column(String(16), primary_key=True)  # BCP 47, e.g. en, pt-BR


class CreditRow(Base):
    """Cast (role "actor", with a character) and crew (director, writer, producer, ...)."""

    __tablename__ = "title_credits"

    title_id: Mapped[str] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    character: Mapped[str | None] = mapped_column(String(200))


class SeasonRow(Base):
    __tablename__ = "seasons"
    __table_args__ = (UniqueConstraint("title_id", "number"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title_id: Mapped[str] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String(300))
    episodes: Mapped[list[EpisodeRow]] = relationship(
        cascade="all, delete-orphan", order_by="EpisodeRow.number", lazy="raise"
    )


class EpisodeRow(Base):
    __tablename__ = "episodes"
    __table_args__ = (UniqueConstraint("season_id", "number"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    season_id: Mapped[str] = mapped_column(ForeignKey("seasons.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    synopsis: Mapped[str | None] = mapped_column(Text)
    runtime_minutes: Mapped[int | None] = mapped_column(Integer)
    video_id: Mapped[str | None] = mapped_column(String(64))


class WindowRow(Base):
    """A window of the title (`content_id` = title id) or of one episode (its id)."""

    __tablename__ = "availability_windows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title_id: Mapped[str] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"), index=True)
    content_id: Mapped[str] = mapped_column(String(36))
    country: Mapped[str] = mapped_column(String(2))  # or "*": worldwide
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime | None]
    # A worldwide window's excepted countries (sorted codes); null on country windows.
    except_countries: Mapped[list[str] | None] = mapped_column(JSON_DOCUMENT, default=None)


class MediaRow(Base):
    """Rich media: an image in the object store (`ref` is its key) or a trailer (`ref` is a video id)."""

    __tablename__ = "title_media"

    title_id: Mapped[str] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # poster, backdrop, thumbnail, trailer
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    etag: Mapped[str | None] = mapped_column(String(80))
