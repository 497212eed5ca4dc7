"""What the routes need, built once by the bootstrap and read from `app.state.context`."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from cinemesh.delivery.drm.cenc import CencPackager
from cinemesh.delivery.drm.keys import ContentKeys
from cinemesh.delivery.edge.purge import EdgePurger
from cinemesh.delivery.origin.gate import VideoGate
from cinemesh.delivery.origin.media import SessionMedia
from cinemesh.delivery.origin.signing import UrlSigner
from cinemesh.delivery.service.licences import LicenceService
from cinemesh.delivery.service.playback import PlaybackService
from cinemesh.delivery.service.starts import SessionStarts
from cinemesh.delivery.settings import DeliverySettings
from cinemesh.platform.service_app import context_of
from cinemesh.platform.storage import ObjectStore

LICENSE_PATH = "/api/v1/playback/{session_id}/license"


@dataclass(frozen=True)
class DeliveryContext:
    settings: DeliverySettings
    playback: PlaybackService
    starts: SessionStarts
    licences: LicenceService
    media: SessionMedia
    gate: VideoGate
    signer: UrlSigner
    keys: ContentKeys
    store: ObjectStore
    # Background queues the event handlers feed; here so a caller can wait for them (tests).
    purger: EdgePurger
    packager: CencPackager
    api_base_url: str  # where licence requests go (the gateway), not the media edge

    def license_url(self, session_id: str) -> str:
        return self.api_base_url.rstrip("/") + LICENSE_PATH.format(session_id=session_id)

    def media_base(self) -> str:
        # Empty by default: absolute-path URLs, which resolve against whatever host the client
        # called (the gateway in either shape); a CDN deployment sets the edge's URL.
        return self.settings.media_base_url.rstrip("/")

    @functools.cached_property
    def cors(self) -> dict[str, str]:
        """The CORS headers of every media answer, made once (read, never changed, per request)."""
        origin = self.settings.cors_allow_origin
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Expose-Headers": "Content-Length, Content-Range, Accept-Ranges",
            "Timing-Allow-Origin": origin,
        }

    def client_ip(self, request: Request) -> str | None:
        """The viewer's address: the socket peer, or what a trusted edge says it saw."""
        peer = request.client.host if request.client else None
        forwarded = request.headers.get("x-forwarded-for")
        if forwarded and peer in self.settings.trusted_proxies:
            return forwarded.split(",")[-1].strip()
        return peer


def delivery_context(request: Request) -> DeliveryContext:
    """The context, for the plain Starlette media route (the segment hot path)."""
    return context_of(request, DeliveryContext)


async def _context(request: Request) -> DeliveryContext:
    return context_of(request, DeliveryContext)


Context = Annotated[DeliveryContext, Depends(_context)]
