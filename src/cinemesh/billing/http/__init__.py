"""Billing's routes, one module per resource."""

from __future__ import annotations

from fastapi import APIRouter

from cinemesh.billing.http import admin, coupons, gift_cards, invoices, plans, subscription, webhooks

ROUTERS: tuple[APIRouter, ...] = (
    plans.router,
    subscription.router,
    invoices.router,
    admin.router,
    coupons.router,
    gift_cards.router,
    webhooks.router,
)
