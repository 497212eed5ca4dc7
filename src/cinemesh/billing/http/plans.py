"""The public price list."""

from __future__ import annotations

from fastapi import APIRouter

from cinemesh.billing.domain.plans import PLANS
from cinemesh.billing.http.schemas import PlanOut

router = APIRouter(prefix="/api/v1/plans", tags=["billing"])


@router.get("", response_model=list[PlanOut], summary="The plans, their prices and what each plays")
async def plans() -> list[PlanOut]:
    return [PlanOut.of(plan) for plan in PLANS.values()]
