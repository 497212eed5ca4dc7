"""Operators' coupons and the promotion codes customers type at checkout."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from cinemesh.billing.domain.coupons import CouponTerms
from cinemesh.billing.http.deps import Admin, Context

router = APIRouter(prefix="/api/v1/admin/billing", tags=["billing admin"])


class CouponOut(BaseModel):
    coupon: CouponTerms
    redemptions: int


class PromotionCodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    coupon_id: str = Field(max_length=64)


class PromotionCodeOut(BaseModel):
    code: str
    coupon_id: str


@router.post("/coupons", status_code=201, response_model=CouponOut, summary="Create a coupon")
async def create_coupon(body: CouponTerms, _: Admin, context: Context) -> CouponOut:
    stored = await context.coupons.create(terms=body)
    return CouponOut(coupon=stored.terms, redemptions=stored.redemptions)


@router.get("/coupons", response_model=list[CouponOut], summary="Every coupon and how often it was redeemed")
async def list_coupons(_: Admin, context: Context) -> list[CouponOut]:
    return [CouponOut(coupon=c.terms, redemptions=c.redemptions) for c in await context.coupons.list()]


@router.post(
    "/promotion-codes", status_code=201, response_model=PromotionCodeOut, summary="A code customers redeem"
)
async def create_code(body: PromotionCodeIn, _: Admin, context: Context) -> PromotionCodeOut:
    code = await context.coupons.add_code(code=body.code, coupon_id=body.coupon_id)
    return PromotionCodeOut(code=code, coupon_id=body.coupon_id)
