"""Billing's request and response bodies. Money is integer minor units; times are UTC."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from cinemesh.billing.domain.invoices import Invoice, Line
from cinemesh.billing.domain.payments import CardDetails, GiftCardCode, ProviderMethodId
from cinemesh.billing.domain.plans import Entitlements, Plan
from cinemesh.billing.domain.refunds import CreditNote
from cinemesh.billing.domain.state import SubscriptionState


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EntitlementsOut(BaseModel):
    max_height: int
    concurrent_streams: int
    downloads: int

    @classmethod
    def of(cls, entitlements: Entitlements) -> EntitlementsOut:
        return cls(
            max_height=entitlements.max_height,
            concurrent_streams=entitlements.concurrent_streams,
            downloads=entitlements.downloads,
        )


class PlanOut(BaseModel):
    id: str
    name: str
    prices: dict[str, int] = Field(description="Monthly price per currency, in minor units, before tax.")
    entitlements: EntitlementsOut

    @classmethod
    def of(cls, plan: Plan) -> PlanOut:
        return cls(
            id=plan.id,
            name=plan.name,
            prices=dict(plan.prices),
            entitlements=EntitlementsOut.of(plan.entitlements),
        )


class CardIn(Body):
    """A sandbox test card (test mode takes only Stripe's published test numbers)."""

    type: Literal["credit_card"]
    number: str = Field(min_length=12, max_length=23, pattern=r"^[0-9 ]+$")
    exp_month: int = Field(ge=1, le=12)
    exp_year: int = Field(ge=2000, le=2100)
    cvc: str = Field(min_length=3, max_length=4, pattern=r"^[0-9]+$")

    def details(self) -> CardDetails:
        return CardDetails(number=self.number, exp_month=self.exp_month, exp_year=self.exp_year, cvc=self.cvc)

    def __repr__(self) -> str:  # never the number in a log line
        return f"CardIn(last_four={self.number[-4:]!r})"


class GiftCardIn(Body):
    type: Literal["gift_card"]
    code: str = Field(min_length=8, max_length=40, pattern=r"^[A-Za-z0-9 -]+$")

    def details(self) -> GiftCardCode:
        return GiftCardCode(code=self.code)

    def __repr__(self) -> str:
        return "GiftCardIn(***)"


class ProviderMethodIn(Body):
    """With Stripe: the id of a payment method the client made with Stripe.js."""

    type: Literal["provider"]
    payment_method_id: str = Field(min_length=3, max_length=255, pattern=r"^[A-Za-z0-9_]+$")

    def details(self) -> ProviderMethodId:
        return ProviderMethodId(payment_method_id=self.payment_method_id)


PaymentMethodIn = Annotated[CardIn | GiftCardIn | ProviderMethodIn, Field(discriminator="type")]


class CheckoutIn(Body):
    plan: str = Field(max_length=32)
    payment_method: PaymentMethodIn
    promotion_code: str | None = Field(None, max_length=64)


class PlanChangeIn(Body):
    plan: str = Field(max_length=32)


class PaymentMethodOut(BaseModel):
    type: str
    last_four: str | None
    brand: str | None
    expiry: str | None  # MM/YY, as the seed schema has it
    is_default: bool = True


class SubscriptionOut(BaseModel):
    """The seed schema's `subscription` section, with billing's details beside it."""

    subscription_id: str
    tier: str
    status: str
    auto_renew: bool
    start_date: dt.datetime | None
    end_date: dt.datetime | None
    next_billing_date: dt.datetime | None
    payment_method: PaymentMethodOut | None
    billing_status: str
    trial_end: dt.datetime | None
    cancel_at_period_end: bool
    scheduled_plan: str | None
    currency: str
    entitlements: EntitlementsOut
    test_mode: bool

    @classmethod
    def of(cls, state: SubscriptionState, *, test_mode: bool) -> SubscriptionOut:
        method = state.payment_method
        return cls(
            subscription_id=state.subscription_id,
            tier=state.plan,
            status=state.account_status,
            auto_renew=state.auto_renew,
            start_date=state.created_at,
            end_date=state.period_end,
            next_billing_date=state.next_billing_date,
            payment_method=PaymentMethodOut(
                type=method.type, last_four=method.last_four, brand=method.brand, expiry=method.expiry
            ),
            billing_status=state.status,
            trial_end=state.trial_end,
            cancel_at_period_end=state.cancel_at_period_end,
            scheduled_plan=state.scheduled_plan,
            currency=state.currency,
            entitlements=EntitlementsOut.of(state.entitlements),
            test_mode=test_mode,
        )


def free_subscription(plan: Plan) -> SubscriptionOut:
    """CINEMESH_BILLING_MODE=free: the configured plan, active, never billed."""
    return SubscriptionOut(
        subscription_id="free", tier=plan.id, status="active", auto_renew=True, start_date=None,
        end_date=None, next_billing_date=None, payment_method=None, billing_status="free", trial_end=None,
        cancel_at_period_end=False, scheduled_plan=None, currency="USD",
        entitlements=EntitlementsOut.of(plan.entitlements), test_mode=False,
    )  # fmt: skip


class SubscriptionEnvelope(BaseModel):
    subscription: SubscriptionOut

    @classmethod
    def of(cls, state: SubscriptionState, *, test_mode: bool) -> SubscriptionEnvelope:
        return cls(subscription=SubscriptionOut.of(state, test_mode=test_mode))


class LineOut(BaseModel):
    kind: str
    description: str
    amount: int

    @classmethod
    def of(cls, line: Line) -> LineOut:
        return cls(kind=line.kind, description=line.description, amount=line.amount)


class InvoiceOut(BaseModel):
    id: str
    number: str
    sequence: int
    issued_at: dt.datetime
    currency: str
    country: str | None
    tax_rate_bp: int
    lines: list[LineOut]
    subtotal: int
    tax: int
    total: int
    pdf_url: str

    @classmethod
    def of(cls, invoice: Invoice) -> InvoiceOut:
        return cls(
            id=invoice.invoice_id,
            number=invoice.display_number,
            sequence=invoice.number,
            issued_at=invoice.issued_at,
            currency=invoice.currency,
            country=invoice.country,
            tax_rate_bp=invoice.tax_rate_bp,
            lines=[LineOut.of(line) for line in invoice.lines],
            subtotal=invoice.subtotal,
            tax=invoice.tax,
            total=invoice.total,
            pdf_url=f"/api/v1/billing/invoices/{invoice.invoice_id}/pdf",
        )


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approve: bool = Field(description="The customer's answer on the bank's (the sandbox's) confirmation.")


class RefundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: int | None = Field(
        None, gt=0, le=100_000_000, description="Minor units, tax included; omitted: all that is left."
    )
    reason: str = Field(min_length=1, max_length=200, description="Shown on the credit note.")


class CreditNoteOut(BaseModel):
    id: str
    number: str
    sequence: int
    invoice_id: str
    invoice_number: str
    issued_at: dt.datetime
    currency: str
    reason: str
    lines: list[LineOut]
    subtotal: int  # negative: what the customer is credited
    tax: int
    total: int
    pdf_url: str

    @classmethod
    def of(cls, note: CreditNote) -> CreditNoteOut:
        return cls(
            id=note.credit_note_id,
            number=note.display_number,
            sequence=note.number,
            invoice_id=note.invoice_id,
            invoice_number=note.invoice_display_number,
            issued_at=note.issued_at,
            currency=note.currency,
            reason=note.reason,
            lines=[
                LineOut(kind=line.kind, description=line.description, amount=line.amount)
                for line in note.lines
            ],
            subtotal=note.subtotal,
            tax=note.tax,
            total=note.total,
            pdf_url=f"/api/v1/billing/credit-notes/{note.credit_note_id}/pdf",
        )


class LedgerEntryOut(BaseModel):
    subscription_id: str
    version: int
    kind: str
    effective_at: dt.datetime
    recorded_at: dt.datetime
    causation: str | None
    idempotency_key: str
    data: dict[str, Any]


class RenewalReportOut(BaseModel):
    as_of: dt.datetime
    examined: int
    outcomes: dict[str, int]
