"""What the routes need, built once by the bootstrap and read from `app.state.context`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from cinemesh.media.http.live import LiveVideos
from cinemesh.media.service.uploads import UploadService
from cinemesh.media.service.videos import VideoService
from cinemesh.platform.service_app import context_of


@dataclass(frozen=True)
class MediaContext:
    uploads: UploadService
    videos: VideoService
    live: LiveVideos


async def media_context(request: Request) -> MediaContext:
    return context_of(request, MediaContext)


Context = Annotated[MediaContext, Depends(media_context)]


async def _uploads(context: Context) -> UploadService:
    return context.uploads


async def _videos(context: Context) -> VideoService:
    return context.videos


async def _live(context: Context) -> LiveVideos:
    return context.live


Uploads = Annotated[UploadService, Depends(_uploads)]
Videos = Annotated[VideoService, Depends(_videos)]
Live = Annotated[LiveVideos, Depends(_live)]
