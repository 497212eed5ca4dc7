"""The delivery service's collaborators, built once by `bootstrap` and reached from routes."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from cinemesh.delivery.drm.keys import ContentKeys
from cinemesh.delivery.origin.gate import VideoGate
from cinemesh.delivery.origin.media import SessionMedia
from cinemesh.delivery.origin.signing import UrlSigner
from cinemesh.delivery.service import PlaybackService
from cinemesh.delivery.settings import DeliverySettings
from cinemesh.delivery.store import DeliveryStore, VideoRow
from cinemesh.platform.db import Database
from cinemesh.platform.storage import ObjectStore

LICENSE_PATH = "/api/v1/playback/{session_id}/license"


@dataclass
class Delivery:
    settings: DeliverySettings
    database: Database
    store: ObjectStore
    signer: UrlSigner
    keys: ContentKeys
    playback: PlaybackService
    media: SessionMedia
    gate: VideoGate
    api_base_url: str  # where licence requests go (the gateway), not the media edge

    async def video(self, video_id: str) -> VideoRow | None:
        async with self.database.session() as session:
            return await DeliveryStore(session).video(video_id)

    def license_url(self, session_id: str) -> str:
        return self.api_base_url.rstrip("/") + LICENSE_PATH.format(session_id=session_id)


def delivery(request: Request) -> Delivery:
    found: Delivery = request.app.state.delivery
    return found


async def delivery_dependency(request: Request) -> Delivery:
    """`delivery` for `Depends`: FastAPI runs a plain `def` dependency in its thread pool."""
    return delivery(request)
