"""Handlers of the events the media service consumes: the catalog's titles, kept as the
projection an upload's `title_id` is checked against (`service/titles.py`)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.contracts.catalog import TitleUpdatedV1
from cinemesh.media.service.titles import reset_titles, title_updated
from cinemesh.platform.events.handlers import EventHandlers, handles
from cinemesh.platform.runtime import ConsumerSpec

CATALOG_GROUP = "media.catalog-titles"


class MediaEvents:
    # The other catalog events carry nothing the snapshot does not.
    @handles(TitleUpdatedV1)
    async def on_title_updated(self, session: AsyncSession, event: TitleUpdatedV1) -> None:
        await title_updated(session, title_id=event.title_id, document=event.document)


def consumer() -> ConsumerSpec:
    return EventHandlers.collect(MediaEvents()).consumer(CATALOG_GROUP, reset=reset_titles)
