"""Operators' billing routes: the renewal pass as of a time, an account's audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from cinemesh.billing.http.deps import Admin, Context
from cinemesh.billing.http.schemas import LedgerEntryOut, RenewalReportOut
from cinemesh.platform.errors import RuleViolation

router = APIRouter(prefix="/api/v1/admin/billing", tags=["billing admin"])


@router.post("/run-renewals", response_model=RenewalReportOut, summary="Run the renewal pass as of a time")
async def run_renewals(
    _: Admin,
    context: Context,
    now: Annotated[
        dt.datetime | None, Query(description="The billing clock (ISO 8601 with offset); default: now.")
    ] = None,
) -> RenewalReportOut:
    if now is not None and now.tzinfo is None:
        raise RuleViolation("`now` needs a UTC offset, e.g. 2026-01-01T00:00:00Z.", field="now")
    if now is not None and not 2000 <= now.year <= 2200:  # periods a month on must stay representable
        raise RuleViolation("`now` must be between the years 2000 and 2200.", field="now")
    as_of = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    report = await context.renewals.run(now=as_of)
    return RenewalReportOut(as_of=report.as_of, examined=report.examined, outcomes=dict(report.outcomes))


@router.get(
    "/accounts/{user_id}/ledger",
    response_model=list[LedgerEntryOut],
    summary="An account's subscription ledger",
)
async def ledger(user_id: str, _: Admin, context: Context) -> list[LedgerEntryOut]:
    entries = await context.queries.ledger(user_id=user_id)
    return [
        LedgerEntryOut(
            subscription_id=entry.subscription_id,
            version=entry.version,
            kind=entry.kind,
            effective_at=entry.effective_at,
            recorded_at=entry.recorded_at,
            causation=entry.causation,
            idempotency_key=entry.idempotency_key,
            data=entry.data.model_dump(mode="json", exclude={"kind"}),
        )
        for entry in entries
    ]
