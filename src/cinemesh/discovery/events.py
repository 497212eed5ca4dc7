"""Handlers of the events discovery consumes: the catalog's title snapshots (the search index
and recommendations' shelf), the users service's profiles (owner, maturity limit, whether its
viewing may be learnt from) and accounts (country), history's progress and watched events
(recommendation signals: completion as strength) and my-list changes (a weaker signal)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.contracts.catalog import TitleUpdatedV1
from cinemesh.contracts.history import HistoryRemovedV1, ProgressRecordedV1, WatchedChangedV1
from cinemesh.contracts.users import MyListChangedV1, ProfileChangedV1, UserDeletedV1, UserRegisteredV1
from cinemesh.discovery.service import SearchService
from cinemesh.discovery.service.recommend import RecommendService
from cinemesh.discovery.store.signals import Signal
from cinemesh.platform.events.envelope import Envelope
from cinemesh.platform.events.handlers import EventHandlers, handles
from cinemesh.platform.runtime import ConsumerSpec

SEARCH_GROUP = "discovery.search"
PROFILES_GROUP = "discovery.profiles"
SIGNALS_GROUP = "discovery.signals"


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
    def __init__(self, *, service: SearchService, recommend: RecommendService) -> None:
        self.service = service
        self.recommend = recommend

    @handles(ProfileChangedV1)
    async def on_profile(self, session: AsyncSession, event: ProfileChangedV1) -> None:
        await self.service.profile_changed(
            session,
            profile_id=event.profile_id,
            user_id=event.user_id,
            is_kids=event.is_kids,
            max_rating=event.max_maturity_rating,
            deleted=event.change == "deleted",
            watch_history_included=event.watch_history_included,
        )

    @handles(UserRegisteredV1)
    async def on_user_registered(self, session: AsyncSession, event: UserRegisteredV1) -> None:
        await self.recommend.account(session, user_id=event.user_id, country=event.country)

    @handles(MyListChangedV1)
    async def on_my_list(self, session: AsyncSession, event: MyListChangedV1) -> None:
        """On the users topic, after the profile's own events: its preference is current."""
        if event.change == "added":
            await self.recommend.listed(
                session,
                user_id=event.user_id,
                profile_id=event.profile_id,
                content_id=event.content_id,
                at=event.changed_at,
            )
        else:
            await self.recommend.unlisted(
                session, user_id=event.user_id, profile_id=event.profile_id, content_id=event.content_id
            )

    @handles(UserDeletedV1)
    async def on_user_deleted(self, session: AsyncSession, event: UserDeletedV1) -> None:
        await self.service.user_deleted(session, user_id=event.user_id)


class HistoryEvents:
    """Only events whose `watch_history_included` is true are learnt from."""

    def __init__(self, *, recommend: RecommendService) -> None:
        self.recommend = recommend

    @handles(ProgressRecordedV1)
    async def on_progress(self, session: AsyncSession, event: ProgressRecordedV1) -> None:
        if event.title_id is None:
            return
        if event.completed:
            strength = 1.0
        elif event.position_seconds is not None and event.duration_seconds:
            strength = min(max(event.position_seconds / event.duration_seconds, 0.0), 1.0)
        else:
            strength = 0.0
        signal = Signal(
            user_id=event.user_id,
            profile_id=event.profile_id,
            content_id=event.content_id,
            title_id=event.title_id,
            strength=strength,
            finished=True if event.completed else None,
            at=event.updated_at,
        )
        await self.recommend.record(session, signal, included=event.watch_history_included)

    @handles(WatchedChangedV1)
    async def on_watched(self, session: AsyncSession, event: WatchedChangedV1) -> None:
        if event.title_id is None:
            return
        signal = Signal(
            user_id=event.user_id,
            profile_id=event.profile_id,
            content_id=event.content_id,
            title_id=event.title_id,
            strength=1.0 if event.watched else None,
            finished=event.watched,
            at=event.changed_at,
        )
        await self.recommend.record(session, signal, included=event.watch_history_included)

    @handles(HistoryRemovedV1)
    async def on_removed(self, session: AsyncSession, event: HistoryRemovedV1) -> None:
        await self.recommend.removed(session, profile_id=event.profile_id, content_id=event.content_id)


def consumers(service: SearchService, recommend: RecommendService) -> list[ConsumerSpec]:
    catalog = CatalogEvents(service=service)
    search = EventHandlers.collect(catalog).consumer(SEARCH_GROUP, reset=service.reset)
    # Profiles are not kept anywhere to replay from but the users topic: no reset, as history.
    profiles = EventHandlers.collect(ProfileEvents(service=service, recommend=recommend)).consumer(
        PROFILES_GROUP
    )
    # Signals: history is their source; no reset (a replay of its topic only repeats them).
    history = EventHandlers.collect(HistoryEvents(recommend=recommend)).consumer(SIGNALS_GROUP)
    return [dataclasses.replace(search, batch_handler=catalog.on_batch), profiles, history]
