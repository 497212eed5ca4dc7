"""Handlers of the events the read side consumes: the catalog's own snapshots (the read model) and
the users service's profiles (the maturity limits browse applies)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.catalog.read.store import documents, profiles
from cinemesh.catalog.read.store.projection import apply_documents
from cinemesh.contracts.catalog import TitleUpdatedV1
from cinemesh.contracts.users import ProfileChangedV1, UserDeletedV1
from cinemesh.platform.events.envelope import Envelope
from cinemesh.platform.events.handlers import EventHandlers, handles
from cinemesh.platform.runtime import ConsumerSpec

READ_MODEL_GROUP = "catalog.read-model"
PROFILES_GROUP = "catalog.profiles"


class ReadModelEvents:
    """Folds the full-document snapshots into the read model; other catalog events add nothing."""

    @handles(TitleUpdatedV1)
    async def on_updated(self, session: AsyncSession, event: TitleUpdatedV1) -> None:
        await documents.apply_document(session, event.document)


async def on_catalog_batch(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
    """`ReadModelEvents` for a whole consumer batch (a replay's thousands of events a second)."""
    await apply_documents(
        session,
        (
            TitleUpdatedV1.model_validate(envelope.data).document
            for envelope in envelopes
            if envelope.type == TitleUpdatedV1.event_type
        ),
    )


class ProfileEvents:
    @handles(ProfileChangedV1)
    async def on_profile_changed(self, session: AsyncSession, event: ProfileChangedV1) -> None:
        if event.change == "deleted":
            await profiles.delete_profile(session, event.profile_id)
            return
        await profiles.replace_profile(
            session,
            profile_id=event.profile_id,
            user_id=event.user_id,
            is_kids=event.is_kids,
            max_rating=event.max_maturity_rating,
        )

    @handles(UserDeletedV1)
    async def on_user_deleted(self, session: AsyncSession, event: UserDeletedV1) -> None:
        await profiles.delete_profiles_of(session, event.user_id)


on_catalog_event = EventHandlers.collect(ReadModelEvents())


def read_model_consumer() -> ConsumerSpec:
    """The read model's group, folding a fetched batch at once (`on_catalog_batch`)."""
    spec = on_catalog_event.consumer(READ_MODEL_GROUP, reset=documents.reset_documents)
    return dataclasses.replace(spec, batch_handler=on_catalog_batch)


def profiles_consumer() -> ConsumerSpec:
    return EventHandlers.collect(ProfileEvents()).consumer(PROFILES_GROUP, reset=profiles.reset_profiles)
