"""Posters, backdrops and thumbnails: checked, stored in the object store, recorded on the title.

The bytes go to `catalog/titles/{id}/images/{kind}` before the database row that points at them
is committed, so a document never names a missing object; a failed commit leaves at most an
orphan object that the next upload of that kind overwrites.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from cinemesh.catalog.domain.errors import (
    EmptyImageError,
    ImageMismatchError,
    ImageNotFoundError,
    ImageTooLargeError,
    UnsupportedImageTypeError,
)
from cinemesh.catalog.domain.titles import IMAGE_SIGNATURES, ImageKind, image_key, image_matches
from cinemesh.catalog.read.store import documents as read_model
from cinemesh.catalog.write import publishing
from cinemesh.catalog.write.service.documents import build_document
from cinemesh.catalog.write.service.editing import CatalogService, may_edit
from cinemesh.catalog.write.store.tables import MediaRow
from cinemesh.catalog.write.store.titles import TitleStore
from cinemesh.platform.storage import ObjectNotFoundError, ObjectStore
from cinemesh.platform.tokens import Principal


@dataclass(frozen=True)
class Image:
    data: bytes
    content_type: str
    etag: str


class ImageLibrary:
    def __init__(self, *, service: CatalogService, store: ObjectStore, max_bytes: int) -> None:
        self.service = service
        self.store = store
        self.max_bytes = max_bytes

    async def upload(
        self, *, principal: Principal, title_id: str, kind: ImageKind, content_type: str, data: bytes
    ) -> dict[str, Any]:
        if content_type not in IMAGE_SIGNATURES:
            raise UnsupportedImageTypeError(
                f"Images must be one of: {', '.join(IMAGE_SIGNATURES)}.", field="Content-Type"
            )
        if not data:
            raise EmptyImageError("The image is empty.", field="body")
        if len(data) > self.max_bytes:
            raise ImageTooLargeError(f"Images are limited to {self.max_bytes} bytes.")
        if not image_matches(content_type, data):
            raise ImageMismatchError(f"The bytes are not a {content_type} image.", field="body")
        etag = hashlib.sha256(data).hexdigest()[:32]
        async with self.service.editing(title_id, principal) as (session, row):
            await self.store.put_bytes(image_key(row.id, kind), data, content_type=content_type)
            row.media = [m for m in row.media if m.kind != kind.value] + [
                MediaRow(
                    kind=kind.value,
                    position=0,
                    ref=image_key(row.id, kind),
                    content_type=content_type,
                    size_bytes=len(data),
                    etag=etag,
                )
            ]
            row.updated_at = self.service.clock()
            await publishing.record_change(session, row, [])
            return build_document(row)

    async def read(self, *, principal: Principal | None, title_id: str, kind: ImageKind) -> Image:
        """Images of published titles are public (they are shown to anyone browsing); drafts' to editors."""
        async with self.service.database.session() as session:
            document = await read_model.document(session, title_id)
            row = await TitleStore(session).get(title_id)
        published = document is not None and document["status"] == "published"
        editor = row is not None and principal is not None and may_edit(row, principal)
        media = next((m for m in row.media if m.kind == kind.value), None) if row else None
        if media is None or not (published or editor):
            raise ImageNotFoundError(f"No {kind.value} for title {title_id}.")
        try:
            data = await self.store.get_bytes(media.ref)
        except ObjectNotFoundError as exc:
            raise ImageNotFoundError(f"No {kind.value} for title {title_id}.") from exc
        return Image(
            data=data, content_type=media.content_type or "application/octet-stream", etag=media.etag or ""
        )
