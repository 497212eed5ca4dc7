"""Billing's routes, one module per resource."""

from __future__ import annotations

from fastapi import APIRouter

from cinemesh.billing.http import (
    admin,
    admin_accounts,
    coupons,
    credit_notes,
    gift_cards,
    invoices,
    plans,
    refunds,
    subscription,
    webhooks,
)

ROUTERS: tuple[APIRouter, ...] = (
    plans.router,
    subscription.router,
    invoices.router,
    credit_notes.router,
    admin.router,
    admin_accounts.router,
    refunds.router,
    coupons.router,
    gift_cards.router,
    webhooks.router,
)
