"""A billing service in-process on SQLite or PostgreSQL, with a local token issuer."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import sqlalchemy as sa
from fastapi import FastAPI

from cinemesh.billing.bootstrap import build_app
from cinemesh.billing.providers.sandbox import charges
from cinemesh.billing.settings import BillingSettings
from cinemesh.contracts.schemas import user_profile_schema
from cinemesh.platform.ids import new_id_str
from cinemesh.platform.settings import Settings
from cinemesh.platform.tokens import SigningKey, TokenIssuer

GOOD = {"type": "credit_card", "number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}
DECLINED = {**GOOD, "number": "4000000000000002"}
FAILS_LATER = {**GOOD, "number": "4000000000000341"}


@dataclass
class Account:
    user_id: str
    auth: dict[str, str]


@dataclass
class BillingHarness:
    app: FastAPI
    client: httpx.AsyncClient
    issuer: TokenIssuer
    admin: dict[str, str]

    def account(self, *, country: str = "DE") -> Account:
        user_id = new_id_str()
        token = self.issuer.issue(user_id=user_id, roles=["viewer"], extra={"country": country})
        return Account(user_id, {"Authorization": f"Bearer {token}"})

    async def checkout(
        self,
        account: Account,
        *,
        plan: str = "standard",
        card: dict[str, Any] = GOOD,
        key: str | None = None,
        promotion_code: str | None = None,
    ) -> httpx.Response:
        headers = {**account.auth, **({"Idempotency-Key": key} if key else {})}
        body = {"plan": plan, "payment_method": card, "promotion_code": promotion_code}
        return await self.client.post("/api/v1/billing/checkout", json=body, headers=headers)

    async def renew(self, now: dt.datetime) -> dict[str, Any]:
        response = await self.client.post(
            "/api/v1/admin/billing/run-renewals", params={"now": now.isoformat()}, headers=self.admin
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def charges(self) -> int:
        """Charges the sandbox provider made (a replayed key is not a charge)."""
        async with self.app.state.runtime.database.transaction() as session:
            return int((await session.execute(sa.select(sa.func.count()).select_from(charges))).scalar_one())

    async def subscription(self, account: Account) -> dict[str, Any]:
        response = await self.client.get("/api/v1/billing/subscription", headers=account.auth)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()["subscription"]
        assert_seed_valid(body)
        return body


SEED_FIELDS = (
    "tier",
    "status",
    "auto_renew",
    "start_date",
    "end_date",
    "next_billing_date",
    "payment_method",
)


def assert_seed_valid(subscription: dict[str, Any]) -> None:
    """The seed schema's `subscription` section of the account document, in every billing state."""
    schema = user_profile_schema()["properties"]["subscription"]
    section = {key: subscription[key] for key in SEED_FIELDS if subscription.get(key) is not None}
    if "payment_method" in section:  # a gift card has no brand, digits or expiry: left out
        section["payment_method"] = {k: v for k, v in section["payment_method"].items() if v is not None}
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER).validate(
        section
    )


@asynccontextmanager
async def running_billing(
    tmp_path: Path,
    *,
    database_url: str | None = None,
    billing: BillingSettings | None = None,
    **overrides: Any,
) -> AsyncIterator[BillingHarness]:
    issuer = TokenIssuer([SigningKey.generate()], ttl_seconds=600)

    async def jwks() -> dict[str, Any]:
        return issuer.jwks()

    settings = Settings(data_dir=tmp_path, database_url=database_url)
    options = billing or BillingSettings(trial_days=7)
    app = build_app(settings, jwks_fetcher=jwks, billing_settings=options, **overrides)
    admin_token = issuer.issue(user_id=new_id_str(), roles=["admin"])
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://billing.test") as client,
    ):
        yield BillingHarness(app, client, issuer, {"Authorization": f"Bearer {admin_token}"})
