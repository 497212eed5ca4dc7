"""Composition root of the billing service: the runtime first, then the use cases, then the app."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI

from cinemesh.billing.domain.payments import CardProvider
from cinemesh.billing.domain.rules import DunningPolicy
from cinemesh.billing.domain.tax import TaxTable
from cinemesh.billing.events import GROUP, BillingEvents
from cinemesh.billing.http import ROUTERS
from cinemesh.billing.http.deps import BillingContext
from cinemesh.billing.http.problems import ERROR_STATUSES
from cinemesh.billing.jobs import RenewalJob
from cinemesh.billing.providers.gift_cards import GiftCards
from cinemesh.billing.providers.router import PaymentRouter
from cinemesh.billing.providers.sandbox import SandboxProvider
from cinemesh.billing.providers.stripe import StripeProvider
from cinemesh.billing.service.charges import Charger
from cinemesh.billing.service.confirmation import ConfirmationService
from cinemesh.billing.service.coupons import CouponService
from cinemesh.billing.service.idempotency import IdempotencyService
from cinemesh.billing.service.ledger import Clock, LedgerAccess, system_clock
from cinemesh.billing.service.queries import BillingQueries
from cinemesh.billing.service.refunds import RefundService
from cinemesh.billing.service.renewals import RenewalService
from cinemesh.billing.service.subscriptions import BillingPolicy, SubscriptionService
from cinemesh.billing.service.webhooks import WebhookService
from cinemesh.billing.settings import BillingSettings
from cinemesh.platform.db import Database
from cinemesh.platform.events.bus import EventBus
from cinemesh.platform.events.handlers import EventHandlers
from cinemesh.platform.service_app import build_runtime, service_app
from cinemesh.platform.settings import Settings
from cinemesh.platform.tokens import JwksFetcher

NAME = "billing"
MIGRATIONS = Path(__file__).parent / "migrations"


def card_provider(
    options: BillingSettings, database: Database, *, writer: asyncio.Lock | None = None
) -> CardProvider:
    if options.provider == "stripe":
        assert options.stripe_api_key is not None  # the settings refuse stripe without a key
        return StripeProvider(
            database, api_key=options.stripe_api_key.get_secret_value(), api_base=options.stripe_api_base
        )
    return SandboxProvider(database, writer=writer)


def build_app(
    settings: Settings,
    *,
    bus: EventBus | None = None,
    jwks_fetcher: JwksFetcher | None = None,
    billing_settings: BillingSettings | None = None,
    clock: Clock = system_clock,
    provider_factory: Callable[[Database], CardProvider] | None = None,
) -> FastAPI:
    """`provider_factory` is the tests' way to put a provider in (e.g. one that dies mid-charge)."""
    options = billing_settings or BillingSettings()
    database = Database.for_service(settings, NAME)
    policy = DunningPolicy(
        retry_after=tuple(dt.timedelta(days=days) for days in options.retry_days),
        cancel_after=dt.timedelta(days=options.cancel_after_days),
    )
    access = LedgerAccess(database, policy=policy)
    gift_cards = GiftCards(database)
    cards = (
        provider_factory(database)
        if provider_factory
        else card_provider(options, database, writer=access.writer)
    )
    provider = PaymentRouter(cards=cards, gift_cards=gift_cards)
    tax = TaxTable(options.tax_rates)
    charger = Charger(access=access, provider=provider, clock=clock)
    renewals = RenewalService(access=access, charger=charger, tax=tax)
    billing_policy = BillingPolicy(
        mode=options.mode, free_plan=options.free_plan, trial_days=options.trial_days
    )
    job = RenewalJob(renewals=renewals, interval_seconds=options.renewal_interval_seconds)

    subscriptions = SubscriptionService(
        access=access, provider=provider, charger=charger, tax=tax, policy=billing_policy, clock=clock
    )
    handlers = EventHandlers.collect(BillingEvents(subscriptions=subscriptions))

    async def start_jobs() -> None:
        if options.mode != "free":
            job.start(runtime.tasks)

    runtime = build_runtime(
        settings=settings,
        name=NAME,
        migrations=MIGRATIONS,
        bus=bus,
        jwks_fetcher=jwks_fetcher,
        database=database,
        subscriptions=[handlers.consumer(GROUP)],
        on_start=[start_jobs],
        on_stop=[provider.close],
    )
    context = BillingContext(
        subscriptions=subscriptions,
        renewals=renewals,
        queries=BillingQueries(access=access),
        refunds=RefundService(access=access, provider=provider, clock=clock),
        confirmations=ConfirmationService(access=access, provider=provider, charger=charger),
        coupons=CouponService(access=access, clock=clock),
        gift_cards=gift_cards,
        webhooks=WebhookService(access=access, charger=charger),
        webhook_secret=options.webhook_key(settings),
        idempotency=IdempotencyService(access=access),
        policy=billing_policy,
        provider_name=provider.name,
        test_mode=provider.test_mode,
    )
    return service_app(
        runtime,
        settings=settings,
        context=context,
        routers=ROUTERS,
        error_statuses=ERROR_STATUSES,
        description="Plans, subscriptions (an event-sourced ledger), payments, renewals and invoices.",
    )
