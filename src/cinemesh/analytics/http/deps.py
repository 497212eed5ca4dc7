"""What the routes need, built once by the bootstrap and read from `app.state.context`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request

from cinemesh.analytics.domain import Period, Reader
from cinemesh.analytics.service import AnalyticsService
from cinemesh.analytics.settings import AnalyticsSettings
from cinemesh.platform.errors import RuleViolation
from cinemesh.platform.security import require_roles
from cinemesh.platform.service_app import context_of
from cinemesh.platform.tokens import Principal

DEFAULT_SPAN = dt.timedelta(days=7)


@dataclass(frozen=True)
class AnalyticsContext:
    service: AnalyticsService
    settings: AnalyticsSettings


async def analytics_context(request: Request) -> AnalyticsContext:
    return context_of(request, AnalyticsContext)


async def period(
    start: Annotated[
        dt.datetime | None, Query(alias="from", description="Inclusive, UTC; default: `to` - 7 days.")
    ] = None,
    end: Annotated[dt.datetime | None, Query(alias="to", description="Exclusive, UTC; default: now.")] = None,
) -> Period:
    end = end or dt.datetime.now(dt.UTC)
    if start is None:
        if end - dt.datetime.min.replace(tzinfo=end.tzinfo) < DEFAULT_SPAN:
            raise RuleViolation("`to` is too early for the default span; give `from`.", field="to")
        start = end - DEFAULT_SPAN
    return Period(start=start, end=end)


Context = Annotated[AnalyticsContext, Depends(analytics_context)]
Admin = Annotated[Principal, Depends(require_roles("admin"))]


def reader(principal: Annotated[Principal, Depends(require_roles("admin", "content_provider"))]) -> Reader:
    return Reader(user_id=principal.user_id, admin=principal.has_any_role("admin"))


ReaderOf = Annotated[Reader, Depends(reader)]
Range = Annotated[Period, Depends(period)]
