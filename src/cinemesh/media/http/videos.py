"""Routes of a video: its state and its live progress."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from typing import Annotated, Any

from fastapi import APIRouter, Header
from fastapi.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from cinemesh.media.http.deps import Live, Videos
from cinemesh.media.http.schemas import video_document
from cinemesh.platform.security import CurrentPrincipal

videos = APIRouter(prefix="/api/v1/videos", tags=["videos"])


class EventStreamResponse(StreamingResponse):
    """A `text/event-stream` body that is closed however the response ends: Starlette cancels
    the sending task when the client goes, which can leave the generator suspended at a
    `yield` until garbage collection; closing it here releases the stream's subscription now."""

    media_type = "text/event-stream"

    # `status_code` is in the signature because FastAPI reads a response class's default status
    # from it to document the route; without it building the OpenAPI document failed.
    def __init__(self, events: AsyncGenerator[bytes, None], status_code: int = 200) -> None:
        # no-transform and X-Accel-Buffering: no proxy (nginx included) may buffer or compress it.
        super().__init__(
            events,
            status_code=status_code,
            headers={"Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no"},
        )
        self._events = events

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self._events.aclose()


@videos.get("/{video_id}")
async def get_video(video_id: uuid.UUID, principal: CurrentPrincipal, service: Videos) -> dict[str, Any]:
    """Status (uploading, queued, processing, ready, failed), progress, error, renditions, manifests."""
    row = await service.get_video(principal=principal, video_id=str(video_id))
    return video_document(row)


@videos.get(
    "/{video_id}/events",
    response_class=EventStreamResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "state, then progress/status/renditions"},
        204: {"description": "Last-Event-ID is the video's final state: nothing more will come"},
    },
)
async def video_events(
    video_id: uuid.UUID,
    principal: CurrentPrincipal,
    service: Videos,
    live: Live,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=64)] = None,
) -> Response:
    """Server-Sent Events: the video's state at once, then one event per change, until it is
    ready or failed. Who may follow a video is who may read it (`GET /videos/{id}`)."""
    row = await service.get_video(principal=principal, video_id=str(video_id))
    if live.has_final_state(row, last_event_id):
        return Response(status_code=204)  # tells an EventSource to stop reconnecting
    return EventStreamResponse(live.stream(str(video_id), last_event_id=last_event_id))
