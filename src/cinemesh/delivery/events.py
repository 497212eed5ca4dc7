"""Handlers of the events the delivery service consumes: its projections of titles, videos,
profiles, subscriptions and devices, and the edge purges that content changes call for.

Each handler runs in the consumer's transaction with the inbox claim (exactly-once effects).
Edge purges are HTTP calls: they are scheduled to run after the handler (idempotent, so a
redelivery just purges again), never inside the transaction.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.contracts.billing import BillingSubscriptionChangedV1
from cinemesh.contracts.catalog import (
    AvailabilityChangedV1,
    AvailabilityWindow,
    TitlePublishedV1,
    TitleUnpublishedV1,
)
from cinemesh.contracts.media import VideoTranscodedV1
from cinemesh.contracts.users import (
    DeviceChangedV1,
    ProfileChangedV1,
    SubscriptionChangedV1,
    UserDeletedV1,
)
from cinemesh.delivery.domain import PlanLimits
from cinemesh.delivery.drm.cenc import CencPackager
from cinemesh.delivery.drm.keys import ContentKeys
from cinemesh.delivery.service.playback import revoke_video
from cinemesh.delivery.store.queries import DeliveryStore
from cinemesh.delivery.store.tables import PlayableRow, ProfileRow, VideoRow, utc
from cinemesh.platform.events.handlers import EventHandlers, handles
from cinemesh.platform.runtime import ConsumerSpec

GROUP = "delivery"


class Invalidation(Protocol):
    """What content changes set off beyond the projection (see `edge.purge.EdgePurger`)."""

    def servable(self, video_id: str) -> None:
        """The video may have become servable: forget cached "no" answers."""

    def availability_changed(self, video_id: str) -> None:
        """Servability may differ: forget cached answers, purge the edge."""

    def objects_replaced(self, video_id: str) -> None:
        """A re-transcode rewrote the objects: also drop derived copies (AES-128)."""


def _windows(windows: list[AvailabilityWindow]) -> list[dict[str, str | list[str] | None]]:
    return [
        {
            "country": w.country.upper(),
            "starts_at": w.starts_at.isoformat(),
            "ends_at": w.ends_at.isoformat() if w.ends_at else None,
            "except_countries": [code.upper() for code in w.except_countries],
        }
        for w in windows
    ]


class DeliveryEvents:
    def __init__(
        self,
        *,
        keys: ContentKeys,
        invalidation: Invalidation,
        packager: CencPackager | None = None,
    ) -> None:
        self.keys = keys
        self.invalidation = invalidation
        self.packager = packager
        # Called with (session, envelope) by the consumer, and by tests that feed events.
        self.handle = EventHandlers.collect(self)

    def spec(self) -> ConsumerSpec:
        return self.handle.consumer(GROUP)

    @handles(TitlePublishedV1)
    async def on_published(self, session: AsyncSession, event: TitlePublishedV1) -> None:
        store = DeliveryStore(session)
        previous = await store.playable(event.content_id)
        await store.upsert_playable(
            PlayableRow(
                content_id=event.content_id,
                title_id=event.title_id,
                video_id=event.video_id,
                maturity_rating=event.maturity_rating,
                published=True,
                windows=_windows(event.windows),
                updated_at=event.published_at,
                content_type=event.content_type,
            )
        )
        if previous is not None and previous.video_id and previous.video_id != event.video_id:
            self.invalidation.availability_changed(previous.video_id)  # the title plays another video
        if event.video_id:
            self.invalidation.servable(event.video_id)

    @handles(TitleUnpublishedV1)
    async def on_unpublished(self, session: AsyncSession, event: TitleUnpublishedV1) -> None:
        await DeliveryStore(session).set_published(event.content_id, published=False)
        if event.video_id:
            await revoke_video(session, event.video_id)
            self.invalidation.availability_changed(event.video_id)

    @handles(AvailabilityChangedV1)
    async def on_availability(self, session: AsyncSession, event: AvailabilityChangedV1) -> None:
        await DeliveryStore(session).set_windows(event.content_id, _windows(event.windows))
        if event.video_id:
            # Regional changes do not change the objects, but a CDN may hold them in regions that
            # lost the title: purge so every edge revalidates through the origin's rules.
            self.invalidation.availability_changed(event.video_id)

    @handles(VideoTranscodedV1)
    async def on_transcoded(self, session: AsyncSession, event: VideoTranscodedV1) -> None:
        store = DeliveryStore(session)
        previous = await store.video(event.video_id)
        if previous is not None and utc(previous.transcoded_at) > event.transcoded_at:
            return  # an older ladder arriving late
        await store.upsert_video(
            VideoRow(
                video_id=event.video_id,
                title_id=event.title_id,
                storage_prefix=event.storage_prefix,
                hls_master_key=event.hls_master_key,
                dash_manifest_key=event.dash_manifest_key,
                thumbnails_vtt_key=event.thumbnails_vtt_key,
                renditions=[r.model_dump(mode="json") for r in event.renditions],
                complete=event.complete,
                duration_seconds=event.duration_seconds,
                transcoded_at=event.transcoded_at,
                kind=event.kind,
            )
        )
        await self.keys.ensure(store, event.video_id)
        if event.complete and self.packager is not None and event.renditions:
            # DASH CENC from the full ladder; runs after this handler, from the stored objects.
            self.packager.schedule(
                event.video_id,
                event.storage_prefix,
                event.hls_master_key,
                [r.model_dump(mode="json") for r in event.renditions],
                event.dash_manifest_key,
            )
        if previous is not None:
            self.invalidation.objects_replaced(event.video_id)  # same keys, new bytes

    @handles(ProfileChangedV1)
    async def on_profile(self, session: AsyncSession, event: ProfileChangedV1) -> None:
        store = DeliveryStore(session)
        if event.change == "deleted":
            await store.delete_profile(event.profile_id)
            return
        await store.upsert_profile(
            ProfileRow(
                profile_id=event.profile_id,
                user_id=event.user_id,
                max_maturity_rating=event.max_maturity_rating,
                pin_required=event.pin_required,
            )
        )

    @handles(SubscriptionChangedV1)
    async def on_subscription(self, session: AsyncSession, event: SubscriptionChangedV1) -> None:
        await DeliveryStore(session).set_subscription(
            event.user_id, tier=event.tier, status=event.status, changed_at=event.changed_at
        )

    @handles(BillingSubscriptionChangedV1)
    async def on_billing(self, session: AsyncSession, event: BillingSubscriptionChangedV1) -> None:
        # Billing owns subscriptions and plans: its status decides playback (a suspended or paused
        # account is refused with subscription-inactive), its entitlements the plan's limits.
        entitled = PlanLimits(
            max_height=event.entitlements.max_height, max_streams=event.entitlements.concurrent_streams
        )
        await DeliveryStore(session).set_subscription(
            event.user_id,
            tier=event.tier,
            status=event.status,
            changed_at=event.changed_at,
            entitled=entitled,
        )

    @handles(DeviceChangedV1)
    async def on_device(self, session: AsyncSession, event: DeviceChangedV1) -> None:
        store = DeliveryStore(session)
        if event.change == "removed":
            await store.delete_device(event.device_id)
        else:
            await store.upsert_device(event.device_id, event.user_id)

    @handles(UserDeletedV1)
    async def on_user_deleted(self, session: AsyncSession, event: UserDeletedV1) -> None:
        await DeliveryStore(session).erase_user(event.user_id)
