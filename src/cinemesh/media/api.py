"""HTTP routes of the media service: tus uploads and the state of a video."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter

from cinemesh.media.tus.api import Service, uploads
from cinemesh.media.views import video_document
from cinemesh.platform.security import CurrentPrincipal

videos = APIRouter(prefix="/api/v1/videos", tags=["videos"])


@videos.get("/{video_id}")
async def get_video(video_id: uuid.UUID, principal: CurrentPrincipal, service: Service) -> dict[str, Any]:
    """Status (uploading, queued, processing, ready, failed), progress, error, renditions, manifests."""
    row = await service.get_video(principal=principal, video_id=str(video_id))
    return video_document(row)


routers: tuple[APIRouter, ...] = (uploads, videos)
