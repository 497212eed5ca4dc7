"""Operators' coupons and promotion codes."""

from __future__ import annotations

from cinemesh.billing.domain.coupons import CouponTerms
from cinemesh.billing.domain.errors import CouponExists, CouponNotFound
from cinemesh.billing.service.ledger import Clock, LedgerAccess
from cinemesh.billing.store.coupons import CouponStore, StoredCoupon


class CouponService:
    def __init__(self, *, access: LedgerAccess, clock: Clock) -> None:
        self.access = access
        self.clock = clock

    async def create(self, *, terms: CouponTerms) -> StoredCoupon:
        async with self.access.unit() as unit:
            if not await CouponStore(unit.session).add_coupon(terms, at=self.clock()):
                raise CouponExists(f"A coupon {terms.coupon_id!r} exists already.", field="coupon_id")
        return StoredCoupon(terms, 0)

    async def add_code(self, *, code: str, coupon_id: str) -> str:
        async with self.access.unit() as unit:
            store = CouponStore(unit.session)
            if await store.coupon(coupon_id) is None:
                raise CouponNotFound(f"No coupon {coupon_id!r}.", field="coupon_id")
            if not await store.add_code(code, coupon_id=coupon_id, at=self.clock()):
                raise CouponExists(f"The code {code.upper()} exists already.", field="code")
        return code.upper()

    async def list(self) -> list[StoredCoupon]:
        async with self.access.read() as store:
            return await CouponStore(store.session).coupons()
