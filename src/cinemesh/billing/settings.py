"""Billing settings (`CINEMESH_BILLING_*`), read beside the platform's `Settings`."""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings

from cinemesh.billing.domain.plans import PLANS
from cinemesh.billing.domain.tax import DEFAULT_RATES_BP
from cinemesh.platform.settings import Settings, settings_config


class BillingSettings(BaseSettings):
    model_config = settings_config("CINEMESH_BILLING_")

    mode: Literal["sandbox", "free"] = Field(
        "sandbox",
        description="sandbox: paid with test cards (test mode); free: every account has free_plan.",
    )
    provider: Literal["sandbox", "stripe"] = Field(
        "sandbox", description="Who charges cards: the sandbox (test cards) or Stripe."
    )
    stripe_api_key: SecretStr | None = Field(
        None, description="Stripe secret key (sk_test_... in test mode)."
    )
    stripe_api_base: str | None = Field(None, description="Another Stripe API server, e.g. localstripe.")
    webhook_secret: SecretStr | None = Field(
        None,
        description="HMAC key of provider webhooks (Stripe's whsec_...); default: from the secret key.",
    )
    free_plan: str = Field("basic", description="The plan every account has in free mode.")
    trial_days: int = Field(
        7, ge=0, le=365, description="Days of the one trial per account and card; 0: none."
    )
    tax_rates: dict[str, int] = Field(
        default_factory=lambda: dict(DEFAULT_RATES_BP),
        description='Tax by country in basis points, e.g. {"DE": 1900}; default: EU VAT and the UK.',
    )
    retry_days: tuple[int, ...] = Field(
        (3, 7, 14), description="Dunning retries, days after the renewal failed."
    )
    cancel_after_days: int = Field(30, ge=1, description="A suspended subscription still unpaid is canceled.")
    renewal_interval_seconds: float = Field(60.0, gt=0, description="How often the renewal pass runs.")

    def webhook_key(self, platform: Settings) -> bytes:
        if self.webhook_secret is not None:
            return self.webhook_secret.get_secret_value().encode()
        return hashlib.sha256(b"billing-webhooks:" + platform.secret_key.get_secret_value().encode()).digest()

    @model_validator(mode="after")
    def _stripe_needs_a_key(self) -> BillingSettings:
        if self.provider == "stripe" and self.stripe_api_key is None:
            raise ValueError("CINEMESH_BILLING_PROVIDER=stripe needs CINEMESH_BILLING_STRIPE_API_KEY")
        return self

    @field_validator("free_plan")
    @classmethod
    def _known_plan(cls, value: str) -> str:
        if value not in PLANS:
            raise ValueError(f"unknown plan {value!r}; one of {', '.join(PLANS)}")
        return value
