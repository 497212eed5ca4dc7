"""HTTP routes of the catalog service."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from cinemesh.catalog.domain import ContentType
from cinemesh.catalog.service import CatalogService
from cinemesh.contracts.ratings import MaturityRating
from cinemesh.platform.security import OptionalPrincipal, require_roles
from cinemesh.platform.tokens import Principal


def get_service(request: Request) -> CatalogService:
    service: CatalogService = request.app.state.catalog_service
    return service


Service = Annotated[CatalogService, Depends(get_service)]
Editor = Annotated[Principal, Depends(require_roles("admin", "content_provider"))]


class CreateTitleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    type: ContentType
    description: str | None = Field(None, max_length=5000)
    maturity_rating: MaturityRating | None = None
    release_year: int | None = Field(None, ge=1878, le=2100)
    genres: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        default_factory=list, max_length=20
    )


class CreatedResponse(BaseModel):
    id: str


titles = APIRouter(prefix="/api/v1/titles", tags=["titles"])


@titles.post("", status_code=201)
async def create_title(body: CreateTitleRequest, principal: Editor, service: Service) -> CreatedResponse:
    created = await service.create_title(
        created_by=principal.user_id,
        title=body.title,
        content_type=body.type,
        description=body.description,
        maturity_rating=body.maturity_rating,
        release_year=body.release_year,
        genres=body.genres,
    )
    return CreatedResponse(id=created.title_id)


@titles.get("/{title_id}")
async def get_title(title_id: uuid.UUID, principal: OptionalPrincipal, service: Service) -> dict[str, Any]:
    return (await service.get_title(title_id=str(title_id), viewer=principal)).document()


routers = (titles,)
