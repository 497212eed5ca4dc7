"""The Stripe adapter, on the official `stripe` SDK (async over httpx).

Cards never reach cinemesh: the client makes a payment method with Stripe.js and checkout sends
its id. `attach` puts it on the account's Stripe customer (made once, kept in
`billing_stripe_customers`); `charge` makes one PaymentIntent per charge key (kept in
`billing_stripe_intents` before it is confirmed; also sent as Stripe's Idempotency-Key) and
confirms it off-session, so a charge made before a crash is found again whatever the server's
idempotency window (localstripe, the test server, keeps none). `refund` refunds the intent, the key
in the refund's metadata for the same reason.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
import stripe
from sqlalchemy.exc import IntegrityError

from cinemesh.billing.domain.errors import InvalidPaymentMethod, PaymentDeclined
from cinemesh.billing.domain.ledger import PaymentMethod
from cinemesh.billing.domain.payments import ChargeResult, PaymentDetails, ProviderMethodId, RefundResult
from cinemesh.platform.db import Database

metadata = sa.MetaData()
stripe_customers = sa.Table(
    "billing_stripe_customers",
    metadata,
    sa.Column("user_id", sa.String(36), primary_key=True),
    sa.Column("customer_id", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

stripe_intents = sa.Table(
    "billing_stripe_intents",
    metadata,
    sa.Column("charge_key", sa.String(200), primary_key=True),
    sa.Column("intent_id", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)


class StripeProvider:
    name = "stripe"

    def __init__(self, database: Database, *, api_key: str, api_base: str | None = None) -> None:
        self.database = database
        self.test_mode = api_key.startswith(("sk_test_", "rk_test_"))
        self._http = stripe.HTTPXClient()
        options: dict[str, Any] = {"http_client": self._http}
        if api_base:
            options["base_addresses"] = {"api": api_base}
        self.client = stripe.StripeClient(api_key, **options)

    async def close(self) -> None:
        await self._http.close_async()

    async def _customer(self, user_id: str) -> str:
        async with self.database.transaction() as session:
            query = sa.select(stripe_customers.c.customer_id).where(stripe_customers.c.user_id == user_id)
            known: str | None = (await session.execute(query)).scalar_one_or_none()
        if known is not None:
            return known
        customer = await self.client.v1.customers.create_async(
            params={"metadata": {"cinemesh_user_id": user_id}},
            options={"idempotency_key": f"customer:{user_id}"},
        )
        try:
            async with self.database.transaction() as session:
                await session.execute(
                    sa.insert(stripe_customers).values(
                        user_id=user_id, customer_id=customer.id, created_at=dt.datetime.now(dt.UTC)
                    )
                )
        except IntegrityError:  # a concurrent attach made one first: use that one
            return await self._customer(user_id)
        return customer.id

    async def attach(self, *, user_id: str, details: PaymentDetails) -> PaymentMethod:
        if not isinstance(details, ProviderMethodId):
            raise InvalidPaymentMethod(
                "With Stripe, send the id of a payment method made by Stripe.js, never card numbers.",
                field="payment_method.type",
            )
        customer = await self._customer(user_id)
        try:
            method = await self.client.v1.payment_methods.attach_async(
                details.payment_method_id, params={"customer": customer}
            )
        except stripe.CardError as exc:
            raise PaymentDeclined(f"The card was declined ({exc.code}).", decline_code=exc.code) from exc
        except stripe.InvalidRequestError as exc:
            raise InvalidPaymentMethod(
                "Stripe does not know this payment method.", field="payment_method.payment_method_id"
            ) from exc
        card = method.card
        if card is None:
            raise InvalidPaymentMethod(
                "Only card payment methods are taken.", field="payment_method.payment_method_id"
            )
        return PaymentMethod(
            type="credit_card", provider_ref=method.id, brand=card.brand, last_four=card.last4,
            exp_month=card.exp_month, exp_year=card.exp_year, fingerprint=card.fingerprint or method.id,
        )  # fmt: skip

    async def _intent_of(self, key: str) -> str | None:
        async with self.database.transaction() as session:
            query = sa.select(stripe_intents.c.intent_id).where(stripe_intents.c.charge_key == key)
            found: str | None = (await session.execute(query)).scalar_one_or_none()
            return found

    async def charge(
        self, *, payment_method: PaymentMethod, amount: int, currency: str, idempotency_key: str
    ) -> ChargeResult:
        """Create the PaymentIntent unconfirmed (no money moves), keep its id under our key, then
        confirm it. Asked again with the key, the kept intent is read (or confirmed if the crash
        came before): one intent per key, so one charge."""
        intent_id = await self._intent_of(idempotency_key)
        if intent_id is None:
            method = await self.client.v1.payment_methods.retrieve_async(payment_method.provider_ref)
            owner: Any = method.customer
            customer = owner if isinstance(owner, str) else getattr(owner, "id", None)
            if customer is None:
                return ChargeResult(None, "payment_method_detached")
            intent = await self.client.v1.payment_intents.create_async(
                params={
                    "amount": amount, "currency": currency.lower(), "customer": customer,
                    "payment_method": payment_method.provider_ref,
                    "metadata": {"cinemesh_charge_key": idempotency_key},
                },
                options={"idempotency_key": idempotency_key},
            )  # fmt: skip
            try:
                async with self.database.transaction() as session:
                    await session.execute(
                        sa.insert(stripe_intents).values(
                            charge_key=idempotency_key,
                            intent_id=intent.id,
                            created_at=dt.datetime.now(dt.UTC),
                        )
                    )
            except IntegrityError:  # another pass made one for this key first: use that one
                return await self.charge(
                    payment_method=payment_method,
                    amount=amount,
                    currency=currency,
                    idempotency_key=idempotency_key,
                )
            intent_id = intent.id
        return await self._confirm(intent_id)

    async def refund(
        self, *, charge_id: str, amount: int, currency: str, idempotency_key: str
    ) -> RefundResult:
        """A Refund of the PaymentIntent (`charge_id`), once per key: a refund made before a crash
        is found again by the key in its metadata (localstripe keeps no idempotency window)."""
        listed = await self.client.v1.refunds.list_async(params={"payment_intent": charge_id, "limit": 100})
        for made in listed.data:
            kept: dict[str, object] = made.to_dict().get("metadata") or {}
            if kept.get("cinemesh_refund_key") == idempotency_key:
                return RefundResult(made.id, None)
        try:
            made = await self.client.v1.refunds.create_async(
                params={
                    "payment_intent": charge_id, "amount": amount,
                    "metadata": {"cinemesh_refund_key": idempotency_key},
                },
                options={"idempotency_key": idempotency_key},
            )  # fmt: skip
        except stripe.InvalidRequestError as exc:
            return RefundResult(None, exc.code or "refund_refused")
        if made.status not in ("succeeded", "pending"):
            return RefundResult(None, made.failure_reason or made.status or "refund_failed")
        return RefundResult(made.id, None)

    async def _confirm_off_session(self, intent_id: str) -> stripe.PaymentIntent:
        try:
            return await self.client.v1.payment_intents.confirm_async(intent_id, params={"off_session": True})
        except stripe.InvalidRequestError as exc:
            if "off_session" not in str(exc):
                raise
            # localstripe (the test server) does not know off_session on confirm
            return await self.client.v1.payment_intents.confirm_async(intent_id)

    async def _confirm(self, intent_id: str) -> ChargeResult:
        intent = await self.client.v1.payment_intents.retrieve_async(intent_id)
        if intent.status == "succeeded":
            return ChargeResult(intent.id, None)
        if intent.last_payment_error is not None:  # confirmed before, and declined
            return ChargeResult(None, intent.last_payment_error.code or "card_declined")
        try:
            intent = await self._confirm_off_session(intent_id)
        except stripe.CardError as exc:
            return ChargeResult(None, exc.code or "card_declined")
        if intent.status != "succeeded":
            return ChargeResult(
                None, "authentication_required" if intent.status == "requires_action" else intent.status
            )
        return ChargeResult(intent.id, None)
