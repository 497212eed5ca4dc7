"""What the routes need, built once by the bootstrap and read from `app.state.context`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from cinemesh.catalog.http.cursor import CursorCodec
from cinemesh.catalog.http.viewer import EdgeTrust
from cinemesh.catalog.read.service import BrowseService
from cinemesh.catalog.settings import CatalogSettings
from cinemesh.catalog.write.service.editing import CatalogService
from cinemesh.catalog.write.service.images import ImageLibrary
from cinemesh.catalog.write.service.import_jobs import ImportJobs
from cinemesh.catalog.write.service.importer import Importer
from cinemesh.platform.security import require_roles
from cinemesh.platform.service_app import context_of
from cinemesh.platform.tokens import Principal


@dataclass(frozen=True)
class CatalogContext:
    service: CatalogService
    browsing: BrowseService
    importer: Importer
    import_jobs: ImportJobs
    settings: CatalogSettings
    cursors: CursorCodec
    edge: EdgeTrust
    images: ImageLibrary


# async: FastAPI runs a plain `def` dependency in its thread pool, a thread hop per request.
async def catalog_context(request: Request) -> CatalogContext:
    return context_of(request, CatalogContext)


Context = Annotated[CatalogContext, Depends(catalog_context)]
Editor = Annotated[Principal, Depends(require_roles("admin", "content_provider"))]
Admin = Annotated[Principal, Depends(require_roles("admin"))]
