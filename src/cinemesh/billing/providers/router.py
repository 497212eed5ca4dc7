"""One payment port over several providers: cards go to the card provider (the sandbox),
gift cards to billing's gift card ledger."""

from __future__ import annotations

from cinemesh.billing.domain.errors import ConfirmationNotSupported
from cinemesh.billing.domain.ledger import PaymentMethod, RefundRequested
from cinemesh.billing.domain.payments import (
    BankConfirmation,
    CardProvider,
    ChargeResult,
    GiftCardCode,
    PaymentDetails,
    RefundResult,
)
from cinemesh.billing.providers.gift_cards import GiftCards


class PaymentRouter:
    def __init__(self, *, cards: CardProvider, gift_cards: GiftCards) -> None:
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

    async def refund_as_paid(self, request: RefundRequested) -> RefundResult:
        """Gives a refund back the way the invoice was paid."""
        if request.method == "gift_card":
            return await self.gift_cards.refund(
                card_id=request.payment_ref, amount=request.amount, idempotency_key=request.refund_key
            )
        return await self.cards.refund(
            charge_id=request.provider_charge_id,
            amount=request.amount,
            currency=request.currency,
            idempotency_key=request.refund_key,
        )

    async def confirm(self, *, charge_key: str, approve: bool) -> None:
        """The customer's answer to their bank's confirmation, where billing takes it (sandbox)."""
        if not isinstance(self.cards, BankConfirmation):
            raise ConfirmationNotSupported(
                f"With {self.name}, the payment is confirmed in the provider's own client (Stripe.js)."
            )
        await self.cards.confirm(charge_key=charge_key, approve=approve)
