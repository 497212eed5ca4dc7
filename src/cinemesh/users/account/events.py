"""The account document's `subscription` section is billing's projection: the users service keeps
the seed schema's fields from `billing.subscription.changed.v1` (billing owns subscriptions; an
admin changes one through billing's routes, never here). Billing's invoices and credit notes are
mailed to the account holder from here (`billing_mail.py`): this service holds the address."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.contracts.billing import (
    BillingCreditNoteIssuedV1,
    BillingInvoiceIssuedV1,
    BillingSubscriptionChangedV1,
)
from cinemesh.platform.events.handlers import EventHandlers, handles
from cinemesh.platform.runtime import ConsumerSpec
from cinemesh.users.account.billing_mail import BillingMail
from cinemesh.users.account.document import timestamp
from cinemesh.users.identity.service.accounts import now
from cinemesh.users.identity.store import UserStore

GROUP = "users"
# Kept beside the seed fields, never shown (the document leaves out keys starting with "_"):
# which subscription and ledger version the section shows, and the subscriptions it replaced.
SOURCE_KEY = "_billing"
SEED_BRANDS = frozenset({"visa", "mastercard", "amex", "discover"})
REMEMBERED = 20  # superseded subscriptions whose late events are still recognised


def is_newer(section: dict[str, Any], event: BillingSubscriptionChangedV1) -> bool:
    """Whether the event is newer than what the section shows: events may be redelivered and a
    replaced subscription's may come late."""
    source = section.get(SOURCE_KEY)
    if not isinstance(source, dict):
        return True  # the default the account was created with
    if event.subscription_id == source.get("subscription_id"):
        return event.version > int(source.get("version", -1))
    return event.subscription_id not in source.get("superseded", [])


def projected(section: dict[str, Any], event: BillingSubscriptionChangedV1) -> dict[str, Any]:
    """The seed schema's `subscription` section as the event has it."""
    projection: dict[str, Any] = {"tier": event.tier, "status": event.status, "auto_renew": event.auto_renew}
    for name, value in (
        ("start_date", event.start_date),
        ("end_date", event.current_period_end),
        ("next_billing_date", event.next_billing_date),
    ):
        if value is not None:
            projection[name] = timestamp(value)
    method = event.payment_method
    if method is not None:
        shown = {"type": method.type, "last_four": method.last_four, "expiry": method.expiry}
        if method.brand in SEED_BRANDS:
            shown["brand"] = method.brand
        present = {key: value for key, value in shown.items() if value is not None}
        projection["payment_method"] = {**present, "is_default": True}
    raw = section.get(SOURCE_KEY)
    source: dict[str, Any] = raw if isinstance(raw, dict) else {}
    superseded = list(source.get("superseded", []))
    previous = source.get("subscription_id")
    if previous is not None and previous != event.subscription_id:
        superseded = [*superseded, previous][-REMEMBERED:]
    projection[SOURCE_KEY] = {
        "subscription_id": event.subscription_id,
        "version": event.version,
        "superseded": superseded,
    }
    return projection


class UsersEvents:
    def __init__(self, *, mail: BillingMail | None = None) -> None:
        self.mail = mail

    @handles(BillingSubscriptionChangedV1)
    async def on_billing(self, session: AsyncSession, event: BillingSubscriptionChangedV1) -> None:
        user = await UserStore(session).lock_account(event.user_id, now=now())
        if user is None or not is_newer(user.subscription, event):
            return  # an erased account, or an event older than what the document shows
        user.subscription = projected(user.subscription, event)

    @handles(BillingInvoiceIssuedV1)
    async def on_invoice(self, session: AsyncSession, event: BillingInvoiceIssuedV1) -> None:
        user = await UserStore(session).by_id(event.user_id)
        if user is not None and self.mail is not None:  # an erased account gets nothing
            self.mail.invoice(user.email, event)

    @handles(BillingCreditNoteIssuedV1)
    async def on_credit_note(self, session: AsyncSession, event: BillingCreditNoteIssuedV1) -> None:
        user = await UserStore(session).by_id(event.user_id)
        if user is not None and self.mail is not None:
            self.mail.credit_note(user.email, event)


def consumer(mail: BillingMail | None = None) -> ConsumerSpec:
    return EventHandlers.collect(UsersEvents(mail=mail)).consumer(GROUP)
