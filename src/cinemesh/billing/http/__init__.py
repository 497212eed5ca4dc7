"""Billing's routes, one module per resource."""

from __future__ import annotations

from fastapi import APIRouter

from cinemesh.billing.http import (
    admin,
    admin_accounts,
    coupons,
    gift_cards,
    invoices,
    plans,
    subscription,
    webhooks,
)

ROUTERS: tuple[APIRouter, ...] = (
    plans.router,
    subscription.router,
    invoices.router,
    admin.router,
    admin_accounts.router,
    coupons.router,
    gift_cards.router,
    webhooks.router,
)
