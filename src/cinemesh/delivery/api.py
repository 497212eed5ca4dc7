"""HTTP routes of the delivery service: playback sessions (bearer-authenticated) and the
signed media routes of the origin."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from cinemesh.delivery.drm.clearkey import CLEARKEY_SYSTEM
from cinemesh.delivery.origin import api as origin_api
from cinemesh.delivery.runtime import Delivery, delivery_dependency
from cinemesh.delivery.store import utc
from cinemesh.platform.security import CurrentPrincipal

router = APIRouter(prefix="/api/v1/playback", tags=["playback"])
DeliveryDep = Annotated[Delivery, Depends(delivery_dependency)]


class PlaybackRequest(BaseModel):
    content_id: str = Field(max_length=64)
    profile_id: str = Field(max_length=64)
    device_id: str = Field(max_length=64)
    max_height: int | None = Field(None, ge=144, le=4320, description="Highest quality wanted, e.g. 1080.")
    unlock_token: str | None = Field(None, max_length=4096, description="From the profile unlock (PIN).")


class DrmInfo(BaseModel):
    hls: dict[str, Any] | None
    dash: dict[str, Any] | None


class PlaybackSession(BaseModel):
    session_id: str
    hls_url: str
    dash_url: str | None
    drm: DrmInfo
    thumbnails_vtt: str | None
    max_height: int
    tier: str
    expires_at: dt.datetime
    heartbeat_interval_seconds: int


# No title lasts a week (media refuses sources past its max duration, hours); anything beyond is
# a broken or hostile client, and a non-finite value would turn into null in the ended event.
MAX_POSITION_SECONDS = 7 * 24 * 3600


class Heartbeat(BaseModel):
    position_seconds: float | None = Field(
        None,
        ge=0,
        le=MAX_POSITION_SECONDS,
        allow_inf_nan=False,
        description="Where the player is in the title, in seconds (at most 7 days).",
    )


class HeartbeatAck(BaseModel):
    session_id: str
    expires_at: dt.datetime
    heartbeat_interval_seconds: int


def _media_base(d: Delivery) -> str:
    # Empty by default: absolute-path URLs, which resolve against whatever host the client
    # called (the gateway in either shape); a CDN deployment sets the edge's URL.
    return d.settings.media_base_url.rstrip("/")


@router.post("", status_code=201, summary="Start a playback session")
async def start_playback(
    body: PlaybackRequest, principal: CurrentPrincipal, request: Request, d: DeliveryDep
) -> PlaybackSession:
    started = await d.playback.start(
        principal=principal,
        content_id=body.content_id,
        profile_id=body.profile_id,
        device_id=body.device_id,
        max_height=body.max_height,
        unlock_token=body.unlock_token,
        client_ip=origin_api.client_ip(request, d),
        authorization=request.headers.get("authorization"),
    )
    row = started.row
    video = await d.video(row.video_id)
    assert video is not None
    base = _media_base(d)
    kid = await d.playback.key_id(row.video_id)
    hls_drm = {"method": "AES-128", "key_format": "identity"} if d.settings.hls_aes128 else None
    dash_drm = None
    clear_dash = bool(video.dash_manifest_key) and d.media.clear_dash_allowed(
        clearkey=d.settings.dash_clearkey
    )
    if d.settings.dash_clearkey and await d.media.cenc_package(video) is not None:
        dash_drm = {
            "key_system": CLEARKEY_SYSTEM,
            "license_url": d.license_url(row.session_id),
            "kid": kid,
        }
    return PlaybackSession(
        session_id=row.session_id,
        hls_url=base + d.media.session_url(row, "master.m3u8"),
        dash_url=base + d.media.session_url(row, "manifest.mpd") if dash_drm or clear_dash else None,
        drm=DrmInfo(hls=hls_drm, dash=dash_drm),
        thumbnails_vtt=base + d.media.object_url(row, video.thumbnails_vtt_key)
        if video.thumbnails_vtt_key
        else None,
        max_height=row.max_height,
        tier=started.tier,
        expires_at=utc(row.expires_at),
        heartbeat_interval_seconds=max(5, d.settings.heartbeat_timeout_seconds // 3),
    )


class StopOthers(BaseModel):
    keep_device_id: str | None = Field(
        None, max_length=64, description="This device's id: its own sessions keep playing."
    )


class Stopped(BaseModel):
    stopped: int


@router.post("/stop-others", summary="Stop playback on the account's other devices")
async def stop_others(body: StopOthers, principal: CurrentPrincipal, d: DeliveryDep) -> Stopped:
    """Ends every open session of the caller's account but those of `keep_device_id` (a player
    there learns it from its next heartbeat: 409 session-ended), freeing the plan's streams."""
    stopped = await d.playback.stop_others(principal=principal, keep_device_id=body.keep_device_id)
    return Stopped(stopped=stopped)


@router.post("/{session_id}/heartbeat", summary="Keep a playback session alive")
async def heartbeat(
    session_id: str,
    principal: CurrentPrincipal,
    d: DeliveryDep,
    body: Annotated[Heartbeat | None, Body()] = None,
) -> HeartbeatAck:
    row = await d.playback.heartbeat(
        principal=principal, session_id=session_id, position_seconds=body.position_seconds if body else None
    )
    return HeartbeatAck(
        session_id=row.session_id,
        expires_at=utc(row.expires_at),
        heartbeat_interval_seconds=max(5, d.settings.heartbeat_timeout_seconds // 3),
    )


@router.delete("/{session_id}", status_code=204, summary="End a playback session")
async def end_playback(session_id: str, principal: CurrentPrincipal, d: DeliveryDep) -> Response:
    await d.playback.end(principal=principal, session_id=session_id)
    return Response(status_code=204)


@router.post(
    "/{session_id}/license",
    summary="W3C ClearKey licence (EME JSON) for a live session",
    response_class=Response,
)
async def clearkey_license(
    session_id: str, request: Request, principal: CurrentPrincipal, d: DeliveryDep
) -> Response:
    body = await request.body()
    answer = await d.playback.license(
        principal=principal, session_id=session_id, key_system=CLEARKEY_SYSTEM, request=body
    )
    return Response(answer, media_type="application/json", headers={"Cache-Control": "no-store"})


routers: tuple[APIRouter, ...] = (router, origin_api.router)
