"""Operators acting on an account's subscription (the users service shows it, billing owns it):
read it, change its plan, cancel, resume or pause it. Each is the customer's command, run for the
account in the path and recorded in its ledger with the request as causation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from cinemesh.billing.domain.errors import SubscriptionNotFound
from cinemesh.billing.domain.state import SubscriptionState
from cinemesh.billing.http.deps import Admin, BillingContext, Context
from cinemesh.billing.http.schemas import PlanChangeIn, SubscriptionEnvelope

router = APIRouter(prefix="/api/v1/admin/billing/accounts", tags=["billing admin"])
UserId = Annotated[str, Path(min_length=36, max_length=36, pattern=r"^[0-9a-f-]{36}$")]


def _envelope(state: SubscriptionState, context: BillingContext) -> SubscriptionEnvelope:
    return SubscriptionEnvelope.of(state, test_mode=context.test_mode)


def _causation(request: Request, admin: Admin) -> str:
    return f"admin:{admin.user_id}:{request.headers.get('x-request-id', '')}"


@router.get("/{user_id}/subscription", response_model=SubscriptionEnvelope, summary="A subscription")
async def subscription(user_id: UserId, _: Admin, context: Context) -> SubscriptionEnvelope:
    state = await context.subscriptions.current(user_id=user_id)
    if state is None:
        raise SubscriptionNotFound("The account has no subscription.")
    return _envelope(state, context)


@router.patch(
    "/{user_id}/subscription",
    response_model=SubscriptionEnvelope,
    summary="Change an account's plan (as the customer would: an upgrade is charged now)",
)
async def change_plan(
    user_id: UserId, body: PlanChangeIn, request: Request, admin: Admin, context: Context
) -> SubscriptionEnvelope:
    state = await context.subscriptions.change_plan(
        user_id=user_id, plan=body.plan, causation=_causation(request, admin)
    )
    return _envelope(state, context)


@router.post("/{user_id}/subscription/cancel", response_model=SubscriptionEnvelope, summary="Cancel")
async def cancel(user_id: UserId, request: Request, admin: Admin, context: Context) -> SubscriptionEnvelope:
    state = await context.subscriptions.cancel(user_id=user_id, causation=_causation(request, admin))
    return _envelope(state, context)


@router.post("/{user_id}/subscription/resume", response_model=SubscriptionEnvelope, summary="Resume")
async def resume(user_id: UserId, request: Request, admin: Admin, context: Context) -> SubscriptionEnvelope:
    state = await context.subscriptions.resume(user_id=user_id, causation=_causation(request, admin))
    return _envelope(state, context)


@router.post("/{user_id}/subscription/pause", response_model=SubscriptionEnvelope, summary="Pause")
async def pause(user_id: UserId, request: Request, admin: Admin, context: Context) -> SubscriptionEnvelope:
    state = await context.subscriptions.pause(user_id=user_id, causation=_causation(request, admin))
    return _envelope(state, context)
