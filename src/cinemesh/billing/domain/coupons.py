"""Coupons (the discount) behind promotion codes (what a customer types), Stripe's model:
percent or amount off, once / repeating N months / forever, a redemption limit, a last day to
redeem, and optionally only some plans."""

from __future__ import annotations

import datetime as dt
from typing import Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from cinemesh.billing.domain.errors import PromotionNotApplicable
from cinemesh.billing.domain.plans import PLANS


class CouponTerms(BaseModel):
    """What a coupon takes off; copied into the ledger when redeemed, so a later edit of the
    coupon changes no invoice already owed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    coupon_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=100)
    percent_off: int | None = Field(None, ge=1, le=100)
    amount_off: int | None = Field(None, ge=1, description="Minor units of `currency`.")
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    duration: Literal["once", "repeating", "forever"] = "once"
    duration_months: int | None = Field(None, ge=1, le=120)
    max_redemptions: int | None = Field(None, ge=1)
    redeem_by: AwareDatetime | None = None
    plans: tuple[str, ...] = ()  # empty: every plan

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.percent_off is None) == (self.amount_off is None):
            raise ValueError("give exactly one of percent_off and amount_off")
        if self.amount_off is not None and self.currency is None:
            raise ValueError("amount_off needs a currency")
        if (self.duration == "repeating") != (self.duration_months is not None):
            raise ValueError("duration_months goes with duration 'repeating' (and only with it)")
        unknown = [plan for plan in self.plans if plan not in PLANS]
        if unknown:
            raise ValueError(f"unknown plans: {', '.join(unknown)}")
        return self

    def periods(self) -> int | None:
        """How many charges it discounts; None: every one."""
        if self.duration == "forever":
            return None
        return 1 if self.duration == "once" else self.duration_months

    def discount(self, subtotal: int) -> int:
        """The amount taken off a subtotal (never more than the subtotal)."""
        if self.percent_off is not None:
            off = (subtotal * self.percent_off * 2 + 100) // 200  # half up
        else:
            off = self.amount_off or 0
        return min(max(off, 0), subtotal)


def check_redeemable(
    terms: CouponTerms, *, redemptions: int, plan: str, currency: str, now: dt.datetime, code: str
) -> None:
    """Refuses a code that cannot be used on this checkout, saying why."""
    if terms.redeem_by is not None and now >= terms.redeem_by:
        raise PromotionNotApplicable(f"The code {code} has expired.", field="promotion_code")
    if terms.max_redemptions is not None and redemptions >= terms.max_redemptions:
        raise PromotionNotApplicable(f"The code {code} has been used up.", field="promotion_code")
    if terms.plans and plan not in terms.plans:
        raise PromotionNotApplicable(
            f"The code {code} applies only to {', '.join(terms.plans)}.", field="promotion_code"
        )
    if terms.currency is not None and terms.currency != currency:
        raise PromotionNotApplicable(
            f"The code {code} is for {terms.currency} prices; this account pays in {currency}.",
            field="promotion_code",
        )
