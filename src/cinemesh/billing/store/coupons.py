"""Coupons and their promotion codes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.billing.domain.coupons import CouponTerms
from cinemesh.billing.store.tables import coupons, promotion_codes


@dataclass(frozen=True)
class StoredCoupon:
    terms: CouponTerms
    redemptions: int


class CouponStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_coupon(self, terms: CouponTerms, *, at: dt.datetime) -> bool:
        """False when the id is taken."""
        try:
            async with self.session.begin_nested():
                await self.session.execute(
                    sa.insert(coupons).values(
                        coupon_id=terms.coupon_id, terms=terms, redemptions=0, created_at=at
                    )
                )
        except IntegrityError:
            return False
        return True

    async def add_code(self, code: str, *, coupon_id: str, at: dt.datetime) -> bool:
        try:
            async with self.session.begin_nested():
                await self.session.execute(
                    sa.insert(promotion_codes).values(
                        code=code.upper(), coupon_id=coupon_id, active=True, created_at=at
                    )
                )
        except IntegrityError:
            return False
        return True

    async def coupon(self, coupon_id: str) -> StoredCoupon | None:
        row = (
            (await self.session.execute(sa.select(coupons).where(coupons.c.coupon_id == coupon_id)))
            .mappings()
            .first()
        )
        return StoredCoupon(row["terms"], row["redemptions"]) if row else None

    async def coupons(self) -> list[StoredCoupon]:
        rows = (await self.session.execute(sa.select(coupons).order_by(coupons.c.created_at))).mappings()
        return [StoredCoupon(row["terms"], row["redemptions"]) for row in rows]

    async def lock_by_code(self, code: str) -> StoredCoupon | None:
        """The active code's coupon, its row locked (redemptions are counted under the lock)."""
        query = (
            sa.select(coupons)
            .join(promotion_codes, promotion_codes.c.coupon_id == coupons.c.coupon_id)
            .where(promotion_codes.c.code == code.upper(), promotion_codes.c.active.is_(True))
        )
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(of=coupons)
        row = (await self.session.execute(query)).mappings().first()
        return StoredCoupon(row["terms"], row["redemptions"]) if row else None

    async def redeemed(self, coupon_id: str) -> None:
        await self.session.execute(
            sa.update(coupons)
            .where(coupons.c.coupon_id == coupon_id)
            .values(redemptions=coupons.c.redemptions + 1)
        )
