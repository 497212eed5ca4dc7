"""Provider webhooks: each event applied once (deduplicated by its id), safe in any order.

A webhook only says "look at this charge": the charge's subscription is settled exactly as the
renewal pass would (the provider is asked again with the charge key and answers with what it
did), so its outcome never rests on the payload, and a late or repeated event finds nothing
pending and changes nothing."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from cinemesh.billing.domain.ledger import ChargeRequested
from cinemesh.billing.domain.webhooks import subscription_of
from cinemesh.billing.service.charges import Charger
from cinemesh.billing.service.ledger import LedgerAccess
from cinemesh.billing.store.tables import webhook_events

CHARGE_EVENTS = (
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "charge.succeeded",
    "charge.failed",
)


class WebhookService:
    def __init__(self, *, access: LedgerAccess, charger: Charger) -> None:
        self.access = access
        self.charger = charger

    async def receive(self, *, provider: str, event_id: str, event_type: str, charge_key: str | None) -> str:
        """'duplicate', 'ignored' or 'applied'."""
        async with self.access.database.transaction() as session:
            try:
                async with session.begin_nested():
                    await session.execute(
                        sa.insert(webhook_events).values(
                            provider=provider, event_id=event_id, event_type=event_type,
                            received_at=dt.datetime.now(dt.UTC),
                        )
                    )  # fmt: skip
            except IntegrityError:
                return "duplicate"
        if event_type not in CHARGE_EVENTS or not charge_key:
            return "ignored"
        subscription_id = subscription_of(charge_key)
        async with self.access.read() as store:
            entries = await store.entries(subscription_id)
        requests = [e.data for e in entries if isinstance(e.data, ChargeRequested)]
        request = next((r for r in reversed(requests) if r.charge_key == charge_key), None)
        if request is None:
            return "ignored"
        # settle() records nothing when the request is no longer the pending one
        await self.charger.settle(subscription_id, request, causation=f"webhook:{event_id}")
        return "applied"
