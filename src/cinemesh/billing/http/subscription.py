"""The customer's subscription: checkout, plan change, cancel / resume / pause, payment method."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from cinemesh.billing.domain.errors import SubscriptionNotFound
from cinemesh.billing.domain.plans import PLANS
from cinemesh.billing.domain.state import SubscriptionState
from cinemesh.billing.http.deps import BillingContext, Context
from cinemesh.billing.http.idempotent import IdempotencyKey, idempotent
from cinemesh.billing.http.schemas import (
    CheckoutIn,
    ConfirmIn,
    PaymentMethodIn,
    PlanChangeIn,
    SubscriptionEnvelope,
    free_subscription,
)
from cinemesh.billing.service.idempotency import request_hash
from cinemesh.platform.security import CurrentPrincipal

router = APIRouter(prefix="/api/v1/billing", tags=["billing"])


def _envelope(state: SubscriptionState, context: BillingContext) -> SubscriptionEnvelope:
    return SubscriptionEnvelope.of(state, test_mode=context.test_mode)


@router.post(
    "/checkout",
    status_code=201,
    response_model=SubscriptionEnvelope,
    summary="Start a subscription (a trial when the account and card never had one)",
    responses={402: {"description": "The card was declined"}, 409: {"description": "Already subscribed"}},
)
async def checkout(
    body: CheckoutIn,
    request: Request,
    principal: CurrentPrincipal,
    context: Context,
    key: IdempotencyKey = None,
) -> JSONResponse:
    async def work() -> SubscriptionEnvelope:
        state = await context.subscriptions.checkout(
            user_id=principal.user_id,
            country=principal.country,
            plan=body.plan,
            payment=body.payment_method.details(),
            promotion_code=body.promotion_code,
            causation=request.headers.get("x-request-id"),
        )
        return _envelope(state, context)

    fingerprint = request_hash("POST", request.url.path, body.model_dump_json().encode())
    return await idempotent(
        context, user_id=principal.user_id, key=key, fingerprint=fingerprint, status_code=201, work=work
    )


@router.get("/subscription", response_model=SubscriptionEnvelope, summary="The account's subscription")
async def current(principal: CurrentPrincipal, context: Context) -> SubscriptionEnvelope:
    if context.policy.mode == "free":
        return SubscriptionEnvelope(subscription=free_subscription(PLANS[context.policy.free_plan]))
    state = await context.subscriptions.current(user_id=principal.user_id)
    if state is None:
        raise SubscriptionNotFound("The account has no subscription; start one at checkout.")
    return _envelope(state, context)


@router.patch(
    "/subscription",
    response_model=SubscriptionEnvelope,
    summary="Change plan: an upgrade now (prorated to the second), a downgrade at period end",
    responses={402: {"description": "The card was declined (the plan is unchanged)"}},
)
async def change_plan(
    body: PlanChangeIn, request: Request, principal: CurrentPrincipal, context: Context
) -> SubscriptionEnvelope:
    state = await context.subscriptions.change_plan(
        user_id=principal.user_id, plan=body.plan, causation=request.headers.get("x-request-id")
    )
    return _envelope(state, context)


@router.post("/subscription/cancel", response_model=SubscriptionEnvelope, summary="Cancel at period end")
async def cancel(request: Request, principal: CurrentPrincipal, context: Context) -> SubscriptionEnvelope:
    state = await context.subscriptions.cancel(
        user_id=principal.user_id, causation=request.headers.get("x-request-id")
    )
    return _envelope(state, context)


@router.post(
    "/subscription/resume", response_model=SubscriptionEnvelope, summary="Undo a cancel, or end a pause"
)
async def resume(request: Request, principal: CurrentPrincipal, context: Context) -> SubscriptionEnvelope:
    state = await context.subscriptions.resume(
        user_id=principal.user_id, causation=request.headers.get("x-request-id")
    )
    return _envelope(state, context)


@router.post(
    "/subscription/pause",
    response_model=SubscriptionEnvelope,
    summary="Pause, keeping the paid time for later",
)
async def pause(request: Request, principal: CurrentPrincipal, context: Context) -> SubscriptionEnvelope:
    state = await context.subscriptions.pause(
        user_id=principal.user_id, causation=request.headers.get("x-request-id")
    )
    return _envelope(state, context)


@router.post(
    "/subscription/confirm",
    response_model=SubscriptionEnvelope,
    summary="Confirm (or refuse) the payment the bank asked to confirm at checkout (3-D Secure)",
    responses={402: {"description": "The bank did not confirm: nothing was charged"}},
)
async def confirm(
    body: ConfirmIn, request: Request, principal: CurrentPrincipal, context: Context
) -> SubscriptionEnvelope:
    state = await context.confirmations.confirm(
        user_id=principal.user_id, approve=body.approve, causation=request.headers.get("x-request-id")
    )
    return _envelope(state, context)


@router.put(
    "/payment-method",
    response_model=SubscriptionEnvelope,
    summary="Replace the card; an unpaid subscription is charged on it at once",
    responses={402: {"description": "The card was declined"}},
)
async def payment_method(
    body: PaymentMethodIn,
    request: Request,
    principal: CurrentPrincipal,
    context: Context,
    key: IdempotencyKey = None,
) -> JSONResponse:
    async def work() -> SubscriptionEnvelope:
        state = await context.subscriptions.update_payment_method(
            user_id=principal.user_id, payment=body.details(), causation=request.headers.get("x-request-id")
        )
        return _envelope(state, context)

    fingerprint = request_hash("PUT", request.url.path, body.model_dump_json().encode())
    return await idempotent(
        context, user_id=principal.user_id, key=key, fingerprint=fingerprint, status_code=200, work=work
    )
