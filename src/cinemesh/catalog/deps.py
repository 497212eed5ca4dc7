"""FastAPI dependencies shared by the catalog's routes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from cinemesh.catalog.cursor import CursorCodec
from cinemesh.catalog.images import ImageLibrary
from cinemesh.catalog.import_jobs import ImportJobs
from cinemesh.catalog.importer import Importer
from cinemesh.catalog.service import CatalogService
from cinemesh.catalog.settings import CatalogSettings
from cinemesh.catalog.viewer import EdgeTrust
from cinemesh.platform.security import require_roles
from cinemesh.platform.tokens import Principal


@dataclass(frozen=True)
class CatalogContext:
    """Everything the routes need, built once by the bootstrap and kept in `app.state`."""

    service: CatalogService
    importer: Importer
    import_jobs: ImportJobs
    settings: CatalogSettings
    cursors: CursorCodec
    edge: EdgeTrust
    images: ImageLibrary


# async: FastAPI runs a plain `def` dependency in its thread pool, a thread hop per request.
async def get_context(request: Request) -> CatalogContext:
    context: CatalogContext = request.app.state.catalog
    return context


Context = Annotated[CatalogContext, Depends(get_context)]
Editor = Annotated[Principal, Depends(require_roles("admin", "content_provider"))]
Admin = Annotated[Principal, Depends(require_roles("admin"))]
