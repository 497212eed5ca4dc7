"""Use cases of the catalog service."""

from __future__ import annotations

import datetime as dt

from cinemesh.catalog.domain import ContentType, Title, TitleStatus
from cinemesh.catalog.store import TitleStore
from cinemesh.contracts.catalog import TitleCreatedV1
from cinemesh.contracts.publishing import record_event
from cinemesh.contracts.ratings import MaturityRating
from cinemesh.platform.db import Database
from cinemesh.platform.ids import new_id_str
from cinemesh.platform.problems import Problem
from cinemesh.platform.tokens import Principal

SOURCE = "cinemesh/catalog"


class CatalogService:
    def __init__(self, *, database: Database) -> None:
        self.database = database

    async def create_title(
        self,
        *,
        created_by: str,
        title: str,
        content_type: ContentType,
        description: str | None = None,
        maturity_rating: MaturityRating | None = None,
        release_year: int | None = None,
        genres: list[str] | None = None,
    ) -> Title:
        now = dt.datetime.now(dt.UTC)
        new_title = Title(
            title_id=new_id_str(),
            title=title,
            content_type=content_type,
            status=TitleStatus.DRAFT,
            created_by=created_by,
            created_at=now,
            updated_at=now,
            description=description,
            maturity_rating=maturity_rating,
            release_year=release_year,
            genres=sorted(set(genres or [])),
        )
        async with self.database.transaction() as session:
            TitleStore(session).add(new_title)
            await record_event(
                session,
                TitleCreatedV1(
                    title_id=new_title.title_id,
                    title=new_title.title,
                    content_type=new_title.content_type.value,
                    status=new_title.status.value,
                    created_by=created_by,
                    created_at=now,
                    attributes={"genres": new_title.genres, "release_year": release_year},
                ),
                source=SOURCE,
            )
        return new_title

    async def get_title(self, *, title_id: str, viewer: Principal | None) -> Title:
        async with self.database.session() as session:
            title = await TitleStore(session).get(title_id)
        roles = viewer.roles if viewer else frozenset()
        if title is None or not title.visible_to(user_id=viewer.user_id if viewer else None, roles=roles):
            # A draft is indistinguishable from a missing title to those who may not see it.
            raise Problem(404, f"No title {title_id}.", code="title-not-found")
        return title
