"""What the routes need, built once by the bootstrap and read from `app.state.context`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request

from cinemesh.history.live import ProfileHub
from cinemesh.history.series_service import SeriesService
from cinemesh.history.service import HistoryService
from cinemesh.history.settings import HistorySettings
from cinemesh.platform.service_app import context_of


@dataclass(frozen=True)
class HistoryContext:
    service: HistoryService
    hub: ProfileHub
    settings: HistorySettings
    series: SeriesService


async def history_context(request: Request) -> HistoryContext:
    return context_of(request, HistoryContext)


Context = Annotated[HistoryContext, Depends(history_context)]
ProfileId = Annotated[
    str, Query(min_length=1, max_length=64, description="A profile of the caller's account.")
]
