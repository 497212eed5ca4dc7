"""Playback sessions (bearer-authenticated): start, heartbeat, end, stop the others, licences."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request
from starlette.responses import Response

from cinemesh.delivery.drm.clearkey import CLEARKEY_SYSTEM
from cinemesh.delivery.http.deps import Context
from cinemesh.delivery.http.schemas import (
    DrmInfo,
    Heartbeat,
    HeartbeatAck,
    PlaybackRequest,
    PlaybackSession,
    StopOthers,
    Stopped,
)
from cinemesh.delivery.store.tables import utc
from cinemesh.platform.security import CurrentPrincipal

router = APIRouter(prefix="/api/v1/playback", tags=["playback"])


@router.post("", status_code=201, summary="Start a playback session")
async def start_playback(
    body: PlaybackRequest, principal: CurrentPrincipal, request: Request, d: Context
) -> PlaybackSession:
    started = await d.starts.start(
        principal=principal,
        content_id=body.content_id,
        profile_id=body.profile_id,
        device_id=body.device_id,
        max_height=body.max_height,
        unlock_token=body.unlock_token,
        client_ip=d.client_ip(request),
        authorization=request.headers.get("authorization"),
    )
    row = started.row
    video = started.video
    base = d.media_base()
    kid = await d.licences.key_id(row.video_id)
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


@router.post("/stop-others", summary="Stop playback on the account's other devices")
async def stop_others(body: StopOthers, principal: CurrentPrincipal, d: Context) -> Stopped:
    """Ends every open session of the caller's account but those of `keep_device_id` (a player
    there learns it from its next heartbeat: 409 session-ended), freeing the plan's streams."""
    stopped = await d.playback.stop_others(principal=principal, keep_device_id=body.keep_device_id)
    return Stopped(stopped=stopped)


@router.post("/{session_id}/heartbeat", summary="Keep a playback session alive")
async def heartbeat(
    session_id: str,
    principal: CurrentPrincipal,
    d: Context,
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
async def end_playback(session_id: str, principal: CurrentPrincipal, d: Context) -> Response:
    await d.playback.end(principal=principal, session_id=session_id)
    return Response(status_code=204)


@router.post(
    "/{session_id}/license",
    summary="W3C ClearKey licence (EME JSON) for a live session",
    response_class=Response,
)
async def clearkey_license(
    session_id: str, request: Request, principal: CurrentPrincipal, d: Context
) -> Response:
    body = await request.body()
    answer = await d.licences.license(
        principal=principal, session_id=session_id, key_system=CLEARKEY_SYSTEM, request=body
    )
    return Response(answer, media_type="application/json", headers={"Cache-Control": "no-store"})
