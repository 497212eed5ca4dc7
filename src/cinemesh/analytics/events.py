"""Handlers of the events the analytics service consumes: each keeps one fact, once per event id
(a redelivered event adds nothing), so replay (`cinemesh events replay analytics`) rebuilds the
same figures after `reset` empties them."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.analytics.domain import Fact
from cinemesh.analytics.store import AnalyticsStore
from cinemesh.contracts.billing import (
    BillingCreditNoteIssuedV1,
    BillingInvoiceIssuedV1,
    BillingSubscriptionChangedV1,
)
from cinemesh.contracts.catalog import TitleCreatedV1
from cinemesh.contracts.delivery import PlaybackEndedV1, PlaybackStartedV1
from cinemesh.contracts.events import EventContract
from cinemesh.contracts.history import ProgressRecordedV1, WatchedChangedV1
from cinemesh.contracts.media import UploadCompletedV1, VideoFailedV1, VideoTranscodedV1
from cinemesh.contracts.users import UserRegisteredV1
from cinemesh.platform.events.envelope import Envelope
from cinemesh.platform.events.handlers import EventHandlers, handles
from cinemesh.platform.runtime import ConsumerSpec

GROUP = "analytics"

# The envelope id of the event being handled: a typed handler sees only the contract.
_event_id: ContextVar[str] = ContextVar("analytics_event_id")


class AnalyticsEvents:
    def __init__(self, *, store: AnalyticsStore) -> None:
        self.store = store

    async def _keep(self, event: EventContract, **values: Any) -> None:
        await self.store.add_fact(Fact(event_id=_event_id.get(), type=event.event_type, **values))

    @handles(PlaybackStartedV1)
    async def on_started(self, _: AsyncSession, event: PlaybackStartedV1) -> None:
        await self._keep(
            event, occurred_at=event.started_at, user_id=event.user_id, session_id=event.session_id,
            content_id=event.content_id, tier=event.tier, detail=event.country, flag=event.trailer,
        )  # fmt: skip

    @handles(PlaybackEndedV1)
    async def on_ended(self, _: AsyncSession, event: PlaybackEndedV1) -> None:
        await self._keep(
            event, occurred_at=event.ended_at, user_id=event.user_id, session_id=event.session_id,
            content_id=event.content_id, detail=event.reason, position=event.position_seconds,
            flag=event.trailer,
        )  # fmt: skip

    @handles(ProgressRecordedV1)
    async def on_progress(self, _: AsyncSession, event: ProgressRecordedV1) -> None:
        await self._keep(
            event, occurred_at=event.updated_at, user_id=event.user_id, content_id=event.content_id,
            title_id=event.title_id, position=event.position_seconds,
            duration=event.duration_seconds, flag=event.completed,
        )  # fmt: skip

    @handles(WatchedChangedV1)
    async def on_watched(self, _: AsyncSession, event: WatchedChangedV1) -> None:
        await self._keep(
            event, occurred_at=event.changed_at, user_id=event.user_id, content_id=event.content_id,
            title_id=event.title_id, detail=event.source, flag=event.watched,
        )  # fmt: skip

    @handles(BillingSubscriptionChangedV1)
    async def on_subscription(self, _: AsyncSession, event: BillingSubscriptionChangedV1) -> None:
        await self._keep(
            event, occurred_at=event.changed_at, user_id=event.user_id, session_id=event.subscription_id,
            tier=event.tier, status=event.status, detail=event.billing_status, version=event.version,
            amount=event.monthly_amount, currency=event.currency,
        )  # fmt: skip

    @handles(BillingInvoiceIssuedV1)
    async def on_invoice(self, _: AsyncSession, event: BillingInvoiceIssuedV1) -> None:
        await self._keep(
            event, occurred_at=event.issued_at, user_id=event.user_id, session_id=event.subscription_id,
            content_id=event.invoice_id, detail=event.country, amount=event.subtotal, currency=event.currency,
        )  # fmt: skip

    @handles(BillingCreditNoteIssuedV1)
    async def on_credit_note(self, _: AsyncSession, event: BillingCreditNoteIssuedV1) -> None:
        await self._keep(
            event, occurred_at=event.issued_at, user_id=event.user_id, session_id=event.subscription_id,
            content_id=event.invoice_id, amount=event.subtotal, currency=event.currency,
        )  # fmt: skip

    @handles(TitleCreatedV1)
    async def on_title_created(self, _: AsyncSession, event: TitleCreatedV1) -> None:
        await self._keep(
            event, occurred_at=event.created_at, user_id=event.created_by, title_id=event.title_id,
            content_id=event.title_id, detail=event.content_type,
        )  # fmt: skip

    @handles(UserRegisteredV1)
    async def on_registered(self, _: AsyncSession, event: UserRegisteredV1) -> None:
        await self._keep(event, occurred_at=event.registered_at, user_id=event.user_id, detail=event.country)

    @handles(UploadCompletedV1)
    async def on_upload(self, _: AsyncSession, event: UploadCompletedV1) -> None:
        await self._keep(
            event, occurred_at=event.completed_at, user_id=event.uploaded_by, content_id=event.video_id,
            title_id=event.title_id, detail=event.kind,
        )  # fmt: skip

    @handles(VideoTranscodedV1)
    async def on_transcoded(self, _: AsyncSession, event: VideoTranscodedV1) -> None:
        await self._keep(
            event, occurred_at=event.transcoded_at, content_id=event.video_id, title_id=event.title_id,
            detail=event.kind, duration=event.duration_seconds, flag=event.complete,
        )  # fmt: skip

    @handles(VideoFailedV1)
    async def on_transcode_failed(self, _: AsyncSession, event: VideoFailedV1) -> None:
        await self._keep(
            event, occurred_at=event.failed_at, content_id=event.video_id, title_id=event.title_id,
            detail=event.reason, flag=event.permanent,
        )  # fmt: skip


class _Handler:
    """The typed handlers, with the envelope id in reach of `_keep`."""

    def __init__(self, handlers: EventHandlers) -> None:
        self.handlers = handlers

    async def __call__(self, session: AsyncSession, envelope: Envelope) -> None:
        token = _event_id.set(envelope.id)
        try:
            await self.handlers(session, envelope)
        finally:
            _event_id.reset(token)


def consumer(store: AnalyticsStore) -> ConsumerSpec:
    handlers = EventHandlers.collect(AnalyticsEvents(store=store))

    async def reset(_: AsyncSession) -> None:
        await store.clear_facts()

    return ConsumerSpec(group=GROUP, topics=handlers.topics, handler=_Handler(handlers), reset=reset)
