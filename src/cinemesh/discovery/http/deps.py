"""What the routes need, built once by the bootstrap and read from `app.state.context`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from cinemesh.discovery.http.cursor import Cursors
from cinemesh.discovery.service import SearchService
from cinemesh.discovery.service.recommend import RecommendService
from cinemesh.discovery.settings import DiscoverySettings
from cinemesh.platform.service_app import context_of


@dataclass(frozen=True)
class DiscoveryContext:
    search: SearchService
    settings: DiscoverySettings
    cursors: Cursors
    recommend: RecommendService


async def discovery_context(request: Request) -> DiscoveryContext:
    return context_of(request, DiscoveryContext)


Context = Annotated[DiscoveryContext, Depends(discovery_context)]
