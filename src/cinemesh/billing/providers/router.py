"""One payment port over several providers: cards go to the card provider (the sandbox),
gift cards to billing's gift card ledger."""

from __future__ import annotations

from cinemesh.billing.domain.ledger import PaymentMethod
from cinemesh.billing.domain.payments import ChargeResult, GiftCardCode, PaymentDetails, PaymentProvider
from cinemesh.billing.providers.gift_cards import GiftCards


class PaymentRouter:
    def __init__(self, *, cards: PaymentProvider, gift_cards: GiftCards) -> None:
        self.cards = cards
        self.gift_cards = gift_cards
        self.name = cards.name
        self.test_mode = cards.test_mode

    async def close(self) -> None:
        await self.cards.close()

    async def attach(self, *, user_id: str, details: PaymentDetails) -> PaymentMethod:
        if isinstance(details, GiftCardCode):
            return await self.gift_cards.attach(details)
        return await self.cards.attach(user_id=user_id, details=details)

    async def charge(
        self, *, payment_method: PaymentMethod, amount: int, currency: str, idempotency_key: str
    ) -> ChargeResult:
        if payment_method.type == "gift_card":
            return await self.gift_cards.charge(
                card_id=payment_method.provider_ref,
                amount=amount,
                currency=currency,
                idempotency_key=idempotency_key,
            )
        return await self.cards.charge(
            payment_method=payment_method, amount=amount, currency=currency, idempotency_key=idempotency_key
        )
