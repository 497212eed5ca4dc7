"""Image routes: upload a poster, backdrop or thumbnail (raw body), and read it back."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cinemesh.catalog.domain.titles import ImageKind
from cinemesh.catalog.http.deps import Context, Editor
from cinemesh.platform.api_contract import raw_request_body
from cinemesh.platform.security import OptionalPrincipal

router = APIRouter(prefix="/api/v1/titles", tags=["media"])


IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/avif")


@router.put(
    "/{title_id}/images/{kind}",
    openapi_extra=raw_request_body(*IMAGE_TYPES, description="The image file itself."),
)
async def put_image(
    title_id: uuid.UUID, kind: ImageKind, request: Request, principal: Editor, context: Context
) -> dict[str, object]:
    """The body is the image itself, with its Content-Type (image/jpeg, png, webp or avif)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return await context.images.upload(
        principal=principal,
        title_id=str(title_id),
        kind=kind,
        content_type=content_type,
        data=await request.body(),
    )


@router.get(
    "/{title_id}/images/{kind}",
    responses={
        200: {"content": {media_type: {} for media_type in IMAGE_TYPES}},
        304: {"description": "The image is unchanged since the ETag in If-None-Match."},
    },
)
async def get_image(
    title_id: uuid.UUID, kind: ImageKind, request: Request, principal: OptionalPrincipal, context: Context
) -> Response:
    image = await context.images.read(principal=principal, title_id=str(title_id), kind=kind)
    etag = f'"{image.etag}"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(image.data, media_type=image.content_type, headers=headers)
