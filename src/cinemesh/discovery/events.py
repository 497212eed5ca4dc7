"""Handlers of the events discovery consumes: the catalog's title snapshots (the search index)
and the users service's profiles (owner and maturity limit)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.contracts.catalog import TitleUpdatedV1
from cinemesh.contracts.users import ProfileChangedV1, UserDeletedV1
from cinemesh.discovery.service import SearchService
from cinemesh.platform.events.envelope import Envelope
from cinemesh.platform.events.handlers import EventHandlers, handles
from cinemesh.platform.runtime import ConsumerSpec

SEARCH_GROUP = "discovery.search"
PROFILES_GROUP = "discovery.profiles"


class CatalogEvents:
    def __init__(self, *, service: SearchService) -> None:
        self.service = service

    @handles(TitleUpdatedV1)
    async def on_title(self, session: AsyncSession, event: TitleUpdatedV1) -> None:
        await self.service.apply_documents(session, [event.document])

    async def on_batch(self, session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
        """A consumer batch in one go (a replay's thousands of snapshots a second)."""
        documents = [
            TitleUpdatedV1.model_validate(envelope.data).document
            for envelope in envelopes
            if envelope.type == TitleUpdatedV1.event_type
        ]
        await self.service.apply_documents(session, documents)


class ProfileEvents:
    def __init__(self, *, service: SearchService) -> None:
        self.service = service

    @handles(ProfileChangedV1)
    async def on_profile(self, session: AsyncSession, event: ProfileChangedV1) -> None:
        await self.service.profile_changed(
            session,
            profile_id=event.profile_id,
            user_id=event.user_id,
            is_kids=event.is_kids,
            max_rating=event.max_maturity_rating,
            deleted=event.change == "deleted",
        )

    @handles(UserDeletedV1)
    async def on_user_deleted(self, session: AsyncSession, event: UserDeletedV1) -> None:
        await self.service.user_deleted(session, user_id=event.user_id)


def consumers(service: SearchService) -> list[ConsumerSpec]:
    catalog = CatalogEvents(service=service)
    search = EventHandlers.collect(catalog).consumer(SEARCH_GROUP, reset=service.reset)
    # Profiles are not kept anywhere to replay from but the users topic: no reset, as history.
    profiles = EventHandlers.collect(ProfileEvents(service=service)).consumer(PROFILES_GROUP)
    return [dataclasses.replace(search, batch_handler=catalog.on_batch), profiles]
