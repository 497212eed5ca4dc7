"""Operators issue gift cards; customers pay with their codes (`{type: "gift_card", code}`)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from cinemesh.billing.http.deps import Admin, Context

router = APIRouter(prefix="/api/v1/admin/billing/gift-cards", tags=["billing admin"])


class GiftCardRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: int = Field(ge=1, le=100_000_00, description="Minor units.")
    currency: str = Field(pattern=r"^(USD|EUR|GBP)$")


class GiftCardOut(BaseModel):
    code: str = Field(description="Shown once: only a hash of it is kept.")
    currency: str
    balance: int


@router.post("", status_code=201, response_model=GiftCardOut, summary="Issue a gift card")
async def issue(body: GiftCardRequest, _: Admin, context: Context) -> GiftCardOut:
    card = await context.gift_cards.issue(amount=body.amount, currency=body.currency)
    return GiftCardOut(code=card.code, currency=card.currency, balance=card.balance)
