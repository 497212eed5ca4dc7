"""Billing's routes, one module per resource."""

from __future__ import annotations

from fastapi import APIRouter

from cinemesh.billing.http import admin, coupons, invoices, plans, subscription

ROUTERS: tuple[APIRouter, ...] = (
    plans.router,
    subscription.router,
    invoices.router,
    admin.router,
    coupons.router,
)
