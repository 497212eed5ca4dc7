"""The payment provider port: what billing needs of Stripe, the sandbox, or any other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from cinemesh.billing.domain.ledger import PaymentMethod


@dataclass(frozen=True)
class CardDetails:
    """A card as the customer typed it; handed to the provider, never stored or logged."""

    number: str
    exp_month: int
    exp_year: int
    cvc: str

    def __repr__(self) -> str:  # keeps the number out of tracebacks and logs
        return f"CardDetails(last_four={self.number[-4:]!r})"


@dataclass(frozen=True)
class GiftCardCode:
    """A gift card's code as the customer typed it; a secret like a card number."""

    code: str

    def __repr__(self) -> str:
        return "GiftCardCode(***)"


@dataclass(frozen=True)
class ProviderMethodId:
    """A payment method the provider's own client made (Stripe.js): billing sees only its id."""

    payment_method_id: str


PaymentDetails = CardDetails | GiftCardCode | ProviderMethodId


AUTHENTICATION_REQUIRED = "authentication_required"  # the bank wants the customer to confirm (3DS)
NO_CHARGE = "none"  # the provider charge id of a charge of zero (a 100 % coupon): nothing was asked


@dataclass(frozen=True)
class ChargeResult:
    charge_id: str | None  # set when paid
    decline_code: str | None  # set when refused


@dataclass(frozen=True)
class RefundResult:
    refund_id: str | None  # set when given back
    failure_code: str | None  # set when refused


class PaymentProvider(Protocol):
    name: str
    test_mode: bool

    async def attach(self, *, user_id: str, details: PaymentDetails) -> PaymentMethod:
        """Stores the method with the provider; raises PaymentDeclined or InvalidPaymentMethod."""

    async def charge(
        self, *, payment_method: PaymentMethod, amount: int, currency: str, idempotency_key: str
    ) -> ChargeResult:
        """Charges once per key: asked again with the same key, answers with the first result."""

    async def close(self) -> None:
        """Releases connections (at shutdown)."""


class CardProvider(PaymentProvider, Protocol):
    """A provider that can also give money back (the sandbox, Stripe)."""

    async def refund(
        self, *, charge_id: str, amount: int, currency: str, idempotency_key: str
    ) -> RefundResult:
        """Gives back `amount` of a charge once per key: asked again, answers with the first result."""


@runtime_checkable
class BankConfirmation(Protocol):
    """A provider whose bank step (3-D Secure) billing can take the customer's answer for: the
    sandbox's stand-in for the bank's page."""

    async def confirm(self, *, charge_key: str, approve: bool) -> None:
        """Records the customer's answer for the charge with this key (the first answer stands)."""
