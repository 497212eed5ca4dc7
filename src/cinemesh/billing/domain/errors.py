"""What billing's rules refuse, each with a stable code (the problem `type` clients see)."""

from __future__ import annotations

from cinemesh.platform.errors import ConflictError, DomainError, NotFoundError, RuleViolation


class PlanNotFound(NotFoundError):
    code = "plan-not-found"


class SubscriptionNotFound(NotFoundError):
    code = "subscription-not-found"


class InvoiceNotFound(NotFoundError):
    code = "invoice-not-found"


class SubscriptionExists(ConflictError):
    code = "subscription-exists"


class InvalidTransition(ConflictError):
    """The command does not fit the subscription's status (resume what is not paused, ...)."""

    code = "subscription-state"


class SamePlan(ConflictError):
    code = "plan-unchanged"


class PaymentDeclined(DomainError):
    """The provider refused the card (402)."""

    code = "payment-declined"


class InvalidPaymentMethod(RuleViolation):
    code = "invalid-payment-method"


class UnknownPromotionCode(RuleViolation):
    code = "promotion-code-not-found"


class BillingDisabled(ConflictError):
    """CINEMESH_BILLING_MODE=free: every account has the configured plan; nothing is charged."""

    code = "billing-disabled"


class IdempotencyKeyReused(ConflictError):
    code = "idempotency-key-reused"


class IdempotencyKeyInFlight(ConflictError):
    code = "idempotency-key-in-flight"


class PromotionNotApplicable(RuleViolation):
    code = "promotion-code-not-applicable"


class CouponExists(ConflictError):
    code = "coupon-exists"


class CouponNotFound(NotFoundError):
    code = "coupon-not-found"


class ProviderNotFound(NotFoundError):
    code = "provider-not-found"


class InvalidRefund(RuleViolation):
    code = "invalid-refund"


class RefundNotAllowed(ConflictError):
    """The invoice has nothing left to give back, or nothing was paid through a provider."""

    code = "refund-not-allowed"


class RefundRefused(DomainError):
    """The provider refused the refund (502: the failure is theirs, the request was sound)."""

    code = "refund-failed"


class CreditNoteNotFound(NotFoundError):
    code = "credit-note-not-found"


class AuthenticationRequired(DomainError):
    """The bank wants the customer to confirm the payment (3-D Secure): 402 with the next step."""

    code = "authentication-required"


class NoActionRequired(ConflictError):
    code = "no-action-required"


class ConfirmationNotSupported(ConflictError):
    """The provider confirms through its own client (Stripe.js), not through billing."""

    code = "confirm-with-provider"
