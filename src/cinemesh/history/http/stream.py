"""`GET /api/v1/history/stream?profile_id=`: a profile's history as Server-Sent Events.

The stream opens with a `snapshot` (the continue-watching row) unless `Last-Event-ID` says the
client is up to date or only behind by updates; then one `progress` event per changed entry,
whose id is the profile's change number. A client that reconnects with the last id it saw is
sent only what changed after it, or a new snapshot when something was deleted meanwhile (a
deleted row cannot be sent as a change).
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header
from fastapi.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from cinemesh.history.http.deps import Context, HistoryContext, ProfileId
from cinemesh.history.http.schemas import ProgressItem
from cinemesh.platform.security import CurrentPrincipal

router = APIRouter(prefix="/api/v1/history", tags=["history"])
KEEP_ALIVE = b": keep-alive\n\n"


class EventStreamResponse(StreamingResponse):
    """Closes its generator however the response ends, so the hub subscription goes at once."""

    media_type = "text/event-stream"

    def __init__(self, events: AsyncGenerator[bytes, None], status_code: int = 200) -> None:
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


def sse(event: str, data: Any, *, event_id: int | None = None) -> bytes:
    lines = [f"event: {event}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append("data: " + orjson.dumps(data).decode())
    return ("\n".join(lines) + "\n\n").encode()


def _cursor(last_event_id: str | None) -> int | None:
    if last_event_id is None or not last_event_id.isdigit():
        return None
    return int(last_event_id)


async def profile_events(
    context: HistoryContext, *, user_id: str, profile_id: str, last_event_id: str | None
) -> AsyncGenerator[bytes, None]:
    settings = context.settings
    subscriber = context.hub.subscribe(profile_id)  # before the first read: no change falls between
    try:
        yield f"retry: {settings.stream_retry_ms}\n\n".encode()
        cursor = _cursor(last_event_id)
        last_write = time.monotonic()
        while not subscriber.ended:
            profile, changed, newest = await context.service.changes(
                user_id=user_id, profile_id=profile_id, since=cursor or 0
            )
            if profile is None:  # the profile was deleted
                return
            if cursor is None or cursor > profile.change_seq or profile.removed_seq > cursor:
                _, items = await context.service.snapshot(user_id=user_id, profile_id=profile_id)
                body = {"items": [ProgressItem.of(entry).model_dump(mode="json") for entry in items]}
                yield sse("snapshot", body, event_id=profile.change_seq)
                cursor = profile.change_seq
                last_write = time.monotonic()
            elif changed:
                for entry in changed:
                    yield sse("progress", ProgressItem.of(entry).model_dump(mode="json"))
                yield sse("sync", {"change": newest}, event_id=newest)
                cursor = newest
                last_write = time.monotonic()
            elif time.monotonic() - last_write >= settings.stream_keepalive_seconds:
                yield KEEP_ALIVE
                last_write = time.monotonic()
            await subscriber.wait(settings.stream_poll_seconds)
    finally:
        context.hub.unsubscribe(subscriber)


@router.get(
    "/stream",
    response_class=EventStreamResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "snapshot, then progress/sync"}},
)
async def stream(
    principal: CurrentPrincipal,
    context: Context,
    profile_id: ProfileId,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=32)] = None,
) -> EventStreamResponse:
    """Live updates of the profile's history for the viewer's other devices (no polling)."""
    await context.service.authorize(user_id=principal.user_id, profile_id=profile_id)
    return EventStreamResponse(
        profile_events(context, user_id=principal.user_id, profile_id=profile_id, last_event_id=last_event_id)
    )
