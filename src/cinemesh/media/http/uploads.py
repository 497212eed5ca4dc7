"""tus 1.0 routes at /api/v1/uploads (content providers and admins only)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import Response
from starlette.requests import ClientDisconnect

from cinemesh.media.http.deps import Uploads
from cinemesh.media.http.tus.problems import TusRoute
from cinemesh.media.http.tus.protocol import (
    CHECKSUM_ALGORITHMS,
    CHECKSUM_MISMATCH,
    OFFSET_CONTENT_TYPE,
    TUS_EXTENSIONS,
    TUS_VERSION,
    http_date,
    parse_checksum,
    parse_metadata,
    parse_non_negative,
    require_version,
    tus_headers,
)
from cinemesh.media.service.uploads import UploadService, UploadState
from cinemesh.platform.api_contract import raw_request_body
from cinemesh.platform.problems import Problem
from cinemesh.platform.security import require_roles
from cinemesh.platform.tokens import Principal

PREFIX = "/api/v1/uploads"


Uploader = Annotated[Principal, Depends(require_roles("admin", "content_provider"))]
TusResumable = Annotated[str | None, Header(alias="Tus-Resumable")]

# Statuses of the tus protocol beyond the platform's own (cinemesh.platform.api_contract).
_TUS_STATUSES: dict[int | str, dict[str, Any]] = {
    410: {"description": "The upload expired without bytes; start a new one."},
    412: {"description": "Tus-Resumable is missing or a version this server does not speak."},
}
uploads = APIRouter(prefix=PREFIX, tags=["uploads"], responses=_TUS_STATUSES, route_class=TusRoute)


def expiry_headers(state: UploadState) -> dict[str, str]:
    """tus expiration: when an unfinished upload will expire (absent once it is complete)."""
    return {"Upload-Expires": http_date(state.expires_at)} if state.expires_at is not None else {}


def _discovery(service: UploadService) -> Response:
    return Response(
        status_code=204,
        headers={
            **tus_headers(),
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": TUS_EXTENSIONS,
            "Tus-Max-Size": str(service.settings.max_upload_bytes),
            "Tus-Checksum-Algorithm": ",".join(CHECKSUM_ALGORITHMS),
        },
    )


_DISCOVERY: dict[int | str, dict[str, Any]] = {
    204: {"description": "What this server supports, in the Tus-* headers."}
}


@uploads.options("", status_code=204, responses=_DISCOVERY)
async def discover(service: Uploads) -> Response:
    return _discovery(service)


@uploads.options("/{upload_id}", status_code=204, responses=_DISCOVERY)
async def discover_upload(upload_id: str, service: Uploads) -> Response:
    """The same answer for any upload URL: tus clients may ask either."""
    return _discovery(service)


@uploads.post("", status_code=201)
async def create(
    principal: Uploader,
    service: Uploads,
    tus_resumable: TusResumable = None,
    upload_length: Annotated[str | None, Header(alias="Upload-Length")] = None,
    upload_metadata: Annotated[str | None, Header(alias="Upload-Metadata")] = None,
    upload_defer_length: Annotated[str | None, Header(alias="Upload-Defer-Length")] = None,
) -> Response:
    require_version(tus_resumable)
    if upload_defer_length is not None:
        raise Problem(
            400,
            "Upload-Defer-Length is not supported; send Upload-Length.",
            code="tus-defer-unsupported",
            headers=tus_headers(),
        )
    length = parse_non_negative(upload_length, header="Upload-Length")
    created = await service.create_upload(
        principal=principal, length=length, metadata=parse_metadata(upload_metadata)
    )
    return Response(
        status_code=201,
        headers={**tus_headers(), "Location": f"{PREFIX}/{created.video_id}", **expiry_headers(created)},
    )


@uploads.head("/{upload_id}")
async def head(
    upload_id: uuid.UUID, principal: Uploader, service: Uploads, tus_resumable: TusResumable = None
) -> Response:
    require_version(tus_resumable)
    state = await service.upload_state(principal=principal, video_id=str(upload_id))
    return Response(
        status_code=200,
        headers={
            **tus_headers(),
            "Upload-Offset": str(state.offset),
            "Upload-Length": str(state.length),
            "Cache-Control": "no-store",
            **expiry_headers(state),
        },
    )


@uploads.patch(
    "/{upload_id}",
    status_code=204,
    responses={CHECKSUM_MISMATCH: {"description": "The chunk does not match its Upload-Checksum."}},
    openapi_extra=raw_request_body(OFFSET_CONTENT_TYPE, description="The bytes from Upload-Offset on."),
)
async def patch(
    upload_id: uuid.UUID,
    request: Request,
    principal: Uploader,
    service: Uploads,
    tus_resumable: TusResumable = None,
    upload_offset: Annotated[str | None, Header(alias="Upload-Offset")] = None,
    upload_checksum: Annotated[str | None, Header(alias="Upload-Checksum")] = None,
) -> Response:
    require_version(tus_resumable)
    # Content-Type and Content-Length describe the body (documented as the request body), so
    # they are read from the request rather than declared as header parameters.
    content_type = request.headers.get("content-type")
    content_length = request.headers.get("content-length")
    if (content_type or "").split(";")[0].strip().lower() != OFFSET_CONTENT_TYPE:
        raise Problem(
            415,
            f"PATCH bodies must be {OFFSET_CONTENT_TYPE}.",
            code="tus-content-type",
            headers=tus_headers(),
        )
    offset = parse_non_negative(upload_offset, header="Upload-Offset")
    state = await service.append(
        principal=principal,
        video_id=str(upload_id),
        offset=offset,
        checksum=parse_checksum(upload_checksum),
        body=request.stream(),
        disconnected=ClientDisconnect,
        content_length=int(content_length) if content_length and content_length.isdigit() else None,
    )
    return Response(
        status_code=204,
        headers={**tus_headers(), "Upload-Offset": str(state.offset), **expiry_headers(state)},
    )


@uploads.delete("/{upload_id}", status_code=204)
async def terminate(
    upload_id: uuid.UUID, principal: Uploader, service: Uploads, tus_resumable: TusResumable = None
) -> Response:
    require_version(tus_resumable)
    await service.terminate(principal=principal, video_id=str(upload_id))
    return Response(status_code=204, headers=tus_headers())
