"""The figures: admins read all; a content provider reads the quality of experience and the
figures of the titles it created (another's are a 404); the business figures are admins' only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from cinemesh.analytics.domain import ReportFilter
from cinemesh.analytics.http.deps import Admin, Context, Range, ReaderOf
from cinemesh.analytics.http.schemas import Business, Qoe, TitleReport

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])
Id = Annotated[str, Query(min_length=1, max_length=64)]
TitleId = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/qoe", summary="Quality of experience over a period (Mux's definitions)")
async def qoe(
    reader: ReaderOf,
    context: Context,
    period: Range,
    title_id: Id | None = None,
    country: Annotated[str | None, Query(min_length=2, max_length=2)] = None,
) -> Qoe:
    query = ReportFilter(period=period, title_id=title_id, country=country)
    report = await context.service.qoe(query, reader=reader)
    return Qoe(**report)


@router.get("/titles/{title_id}", summary="A title's engagement, retention curve and quality of experience")
async def title(
    reader: ReaderOf,
    context: Context,
    period: Range,
    title_id: Annotated[str, Path(min_length=1, max_length=64)],
) -> TitleReport:
    report = await context.service.title(title_id=title_id, period=period, reader=reader)
    return TitleReport.model_validate(report)


@router.get("/business", summary="Sign-ups, trials, active subscriptions by tier, churn")
async def business(_: Admin, context: Context, period: Range) -> Business:
    return Business(**await context.service.business(period=period))
