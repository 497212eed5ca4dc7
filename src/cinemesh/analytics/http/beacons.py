"""The players' beacons: a batch of quality-of-experience events of the caller's own sessions.

The token comes as a bearer header, or, for `navigator.sendBeacon` on page exit (which cannot
set headers), as `access_token` in the body; either way it is verified before anything is read
further. The body is read as JSON whatever its content type (sendBeacon sends text/plain).
"""

from __future__ import annotations

import datetime as dt

import orjson
from fastapi import APIRouter, Request

from cinemesh.analytics.domain import BatchMalformedError, BatchTooLargeError, Viewer
from cinemesh.analytics.http.deps import Context
from cinemesh.analytics.http.schemas import Ingested
from cinemesh.analytics.service import RateLimited
from cinemesh.platform.api_contract import raw_request_body
from cinemesh.platform.problems import Problem
from cinemesh.platform.ratelimit import refused
from cinemesh.platform.security import OptionalPrincipal, authenticate, require_principal

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])
MAX_TOKEN = 4096
_UNREADABLE = object()


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BatchTooLargeError(f"A beacon batch is at most {limit} bytes.", field="events")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BatchTooLargeError(f"A beacon batch is at most {limit} bytes.", field="events")
    return bytes(body)


@router.post(
    "/beacons",
    status_code=202,
    openapi_extra=raw_request_body(
        "application/json", "text/plain", description="`{events: [...], access_token?}` (docs/analytics.md)"
    ),
    summary="Player quality-of-experience events, batched (CMCD keys where they fit)",
    responses={
        400: {"description": "Not a JSON batch"},
        403: {"description": "A session of another account"},
        413: {"description": "Too many events or bytes"},
        422: {"description": "Malformed events (dropped and counted; the rest kept)"},
        429: {"description": "Too many events for one session"},
    },
)
async def beacons(request: Request, context: Context, principal: OptionalPrincipal) -> Ingested:
    raw = await _body(request, context.settings.max_batch_bytes)
    try:
        batch = orjson.loads(raw)
    except orjson.JSONDecodeError:
        batch = _UNREADABLE
    token = batch.get("access_token") if isinstance(batch, dict) else None
    if principal is None and isinstance(token, str):
        if len(token) > MAX_TOKEN:
            raise Problem(401, "Invalid access token.", code="invalid-token")
        principal = await authenticate(request.app.state.token_verifier, f"Bearer {token}")
    principal = await require_principal(principal)  # 401 before anything about the body is said
    if batch is _UNREADABLE:
        raise BatchMalformedError("The body is not JSON.", field="events")
    viewer = Viewer(user_id=principal.user_id, country=principal.country)
    outcome = await context.service.ingest(viewer=viewer, batch=batch, now=dt.datetime.now(dt.UTC))
    if isinstance(outcome, RateLimited):
        raise refused(outcome.decision)
    return Ingested(accepted=outcome.accepted, rejected=outcome.rejected)
