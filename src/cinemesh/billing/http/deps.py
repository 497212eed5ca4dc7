"""What billing's routes need, built once by the bootstrap and read from app.state.context."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from cinemesh.billing.providers.gift_cards import GiftCards
from cinemesh.billing.service.confirmation import ConfirmationService
from cinemesh.billing.service.coupons import CouponService
from cinemesh.billing.service.idempotency import IdempotencyService
from cinemesh.billing.service.queries import BillingQueries
from cinemesh.billing.service.refunds import RefundService
from cinemesh.billing.service.renewals import RenewalService
from cinemesh.billing.service.subscriptions import BillingPolicy, SubscriptionService
from cinemesh.billing.service.webhooks import WebhookService
from cinemesh.platform.security import require_roles
from cinemesh.platform.service_app import context_of
from cinemesh.platform.tokens import Principal


@dataclass(frozen=True)
class BillingContext:
    subscriptions: SubscriptionService
    renewals: RenewalService
    queries: BillingQueries
    refunds: RefundService
    confirmations: ConfirmationService
    coupons: CouponService
    gift_cards: GiftCards
    webhooks: WebhookService
    webhook_secret: bytes
    idempotency: IdempotencyService
    policy: BillingPolicy
    provider_name: str
    test_mode: bool


async def _context(request: Request) -> BillingContext:
    return context_of(request, BillingContext)


Context = Annotated[BillingContext, Depends(_context)]
Admin = Annotated[Principal, Depends(require_roles("admin"))]
