"""Titles and their rules. No I/O here."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any

from cinemesh.contracts.ratings import MaturityRating


class ContentType(enum.StrEnum):
    # The seed's my_list content types.
    MOVIE = "movie"
    TV_SERIES = "tv_series"
    DOCUMENTARY = "documentary"
    SPECIAL = "special"


class TitleStatus(enum.StrEnum):
    DRAFT = "draft"
    PROCESSING = "processing"
    READY = "ready"
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"
    ARCHIVED = "archived"
    EXPIRED = "expired"


@dataclass
class Title:
    title_id: str
    title: str
    content_type: ContentType
    status: TitleStatus
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    description: str | None = None
    maturity_rating: MaturityRating | None = None
    release_year: int | None = None
    genres: list[str] = field(default_factory=list)

    def visible_to(self, *, user_id: str | None, roles: frozenset[str]) -> bool:
        """Published titles are for everyone; the rest only for admins and their creator."""
        if self.status == TitleStatus.PUBLISHED:
            return True
        return "admin" in roles or (user_id is not None and user_id == self.created_by)

    def document(self) -> dict[str, Any]:
        return {
            "id": self.title_id,
            "title": self.title,
            "type": self.content_type.value,
            "status": self.status.value,
            "description": self.description,
            "maturity_rating": self.maturity_rating.value if self.maturity_rating else None,
            "release_year": self.release_year,
            "genres": self.genres,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }
