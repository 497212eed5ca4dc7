"""Media routes: `/api/v1/stream/{token}/{path}`, authorised by the signed token alone (players
send no bearer token for media). The edge pulls from here."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from cinemesh.delivery.http.deps import Context, DeliveryContext, delivery_context
from cinemesh.delivery.http.objects import cache_control, object_response
from cinemesh.delivery.layout import AES_PATH_PREFIX, CENC_STORE_PREFIX, SESSIONS_PREFIX, clear_key_of
from cinemesh.delivery.origin.media import SessionMedia
from cinemesh.delivery.origin.signing import TokenRefusedError
from cinemesh.delivery.store.tables import SessionRow, VideoRow
from cinemesh.platform.problems import Problem

router = APIRouter(tags=["stream"])

HLS_PLAYLIST = "application/vnd.apple.mpegurl"
DASH_MPD = "application/dash+xml"


@router.options("/api/v1/stream/{token}/{path:path}", include_in_schema=False)
async def preflight(d: Context) -> Response:
    return Response(
        status_code=204,
        headers={
            **d.cors,
            "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
            "Access-Control-Allow-Headers": "Range",
            "Access-Control-Max-Age": "86400",
        },
    )


async def stream(request: Request) -> Response:
    """GET/HEAD of a signed media URL. A plain Starlette endpoint, not a FastAPI one: this is the
    segment hot path, and dependency resolution and validation would cost more than the token
    check and the stat together."""
    token, path = request.path_params["token"], request.path_params["path"]
    d = delivery_context(request)
    try:
        d.signer.verify(token, path, client_ip=d.client_ip(request))
    except TokenRefusedError as exc:
        raise Problem(403, exc.reason, code=exc.code, headers=d.cors) from None
    if path.startswith(SESSIONS_PREFIX):
        return await _session_object(path, d)
    clear_key = clear_key_of(path)
    video_id = await d.gate.owner(clear_key)
    if video_id is None:
        raise Problem(404, "No such media object.", code="object-not-found")
    if not await d.gate.servable(video_id):
        raise Problem(403, "This title is no longer available.", code="title-not-published", headers=d.cors)
    key = path if path.startswith(CENC_STORE_PREFIX) else clear_key  # the package's paths are its keys
    if path.startswith(AES_PATH_PREFIX):
        if not clear_key.endswith((".m4s", ".ts", ".mp4a", ".aac")):
            raise Problem(404, "Only media segments have AES-128 copies.", code="object-not-found")
        key = await d.media.ensure_encrypted(video_id, clear_key)
    headers = {
        **d.cors,
        "Cache-Control": cache_control(
            clear_key,
            manifest_max_age=d.settings.manifest_max_age_seconds,
            segment_max_age=d.settings.segment_max_age_seconds,
        ),
    }
    return await object_response(
        d.store,
        key,
        headers=headers,
        range_header=request.headers.get("range"),
        presigned_redirect=d.settings.s3_presigned_redirect,
    )


router.add_route(
    "/api/v1/stream/{token}/{path:path}", stream, methods=["GET", "HEAD"], include_in_schema=False
)


async def _live(d: DeliveryContext, session_id: str) -> tuple[SessionRow, VideoRow]:
    row = await d.playback.live_session(session_id)
    if row is None:
        raise Problem(403, "The playback session is not live.", code="session-not-live", headers=d.cors)
    if not await d.gate.servable(row.video_id):
        raise Problem(403, "This title is no longer available.", code="title-not-published", headers=d.cors)
    video = await d.playback.video(row.video_id)
    if video is None:
        raise Problem(404, "The session's video is gone.", code="object-not-found")
    return row, video


async def _session_object(path: str, d: DeliveryContext) -> Response:
    _, session_id, *rest = path.split("/", 2)
    name = rest[0] if rest else ""
    row, video = await _live(d, session_id)
    media: SessionMedia = d.media
    # Per-session documents: the client may keep them briefly, shared caches never.
    private = {**d.cors, "Cache-Control": f"private, max-age={d.settings.manifest_max_age_seconds}"}
    if name == "master.m3u8":
        return Response(await media.hls_master(row, video), media_type=HLS_PLAYLIST, headers=private)
    if name.startswith("p/"):
        return Response(
            await media.hls_media(row, video, name.removeprefix("p/")),
            media_type=HLS_PLAYLIST,
            headers=private,
        )
    if name == "manifest.mpd":
        mpd = await media.dash(
            row, video, license_url=d.license_url(row.session_id), clearkey=d.settings.dash_clearkey
        )
        return Response(mpd, media_type=DASH_MPD, headers=private)
    if name == "key":
        if not d.settings.hls_aes128:
            raise Problem(404, "This deployment serves HLS in the clear.", code="object-not-found")
        key = await d.keys.get(row.video_id)
        return Response(
            key.key, media_type="application/octet-stream", headers={**d.cors, "Cache-Control": "no-store"}
        )
    raise Problem(404, "No such session document.", code="object-not-found")
