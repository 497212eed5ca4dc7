"""Composition root of the users service: the runtime first, then the use cases, then the app."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from cinemesh.platform.cache import Cache, build_cache
from cinemesh.platform.crypto import SecretBox
from cinemesh.platform.db import Database
from cinemesh.platform.events.bus import EventBus
from cinemesh.platform.service_app import build_runtime, service_app
from cinemesh.platform.settings import Settings
from cinemesh.platform.tokens import JwksFetcher, JwksKeySource, TokenVerifier
from cinemesh.users.account.billing_mail import BillingMail
from cinemesh.users.account.events import consumer
from cinemesh.users.account.service import AccountService
from cinemesh.users.household.service.library import LibraryService
from cinemesh.users.household.service.profiles import ProfilesService
from cinemesh.users.http import account, admin, auth, devices, my_list, profiles
from cinemesh.users.http.deps import UsersContext
from cinemesh.users.http.problems import ERROR_STATUSES
from cinemesh.users.identity.keys import KeyRing
from cinemesh.users.identity.mail_queue import MailQueue
from cinemesh.users.identity.mailer import Mailer, build_mailer
from cinemesh.users.identity.passwords import PasswordHashing
from cinemesh.users.identity.service.accounts import UsersService
from cinemesh.users.identity.service.credentials import CredentialsService
from cinemesh.users.identity.service.oidc import OidcLogin
from cinemesh.users.identity.throttle import Throttles
from cinemesh.users.settings import UsersSettings

NAME = "users"
MIGRATIONS = Path(__file__).parent / "migrations"
DEFAULT_ADMIN_EMAIL = "admin@cinemesh.localhost"
ROUTERS = (
    auth.router,
    account.router,
    profiles.router,
    devices.router,
    my_list.router,
    admin.router,
    auth.well_known,
)


def build_app(
    settings: Settings,
    *,
    bus: EventBus | None = None,
    jwks_fetcher: JwksFetcher | None = None,
    passwords: PasswordHashing | None = None,
    users_settings: UsersSettings | None = None,
    mailer: Mailer | None = None,
    cache: Cache | None = None,
) -> FastAPI:
    """`jwks_fetcher` is accepted like every service's, but unused: this service holds the keys.
    `cache` (the throttles' counts) belongs to the caller when given; else the service builds
    the one `settings.cache` selects and closes it on stop."""
    del jwks_fetcher
    config = users_settings or UsersSettings()
    owned_cache = cache is None
    cache = cache or build_cache(settings)
    mail_queue = MailQueue(capacity=config.mail_queue_capacity)
    database = Database.for_service(settings, NAME)
    passwords = passwords or PasswordHashing(
        time_cost=config.argon2_time_cost,
        memory_cost_kib=config.argon2_memory_kib,
        parallelism=config.argon2_parallelism,
    )
    keys = KeyRing(
        database=database,
        key_box=SecretBox(settings.secret_key.get_secret_value(), purpose="users-signing-keys"),
        access_token_ttl=settings.access_token_ttl_seconds,
        longest_token_ttl=max(settings.access_token_ttl_seconds, config.unlock_token_ttl_seconds),
        activation_delay=config.key_activation_delay_seconds,
    )
    mailer = mailer or build_mailer(config, dev_mode=settings.dev_mode)
    context = _use_cases(
        settings,
        config,
        database=database,
        passwords=passwords,
        keys=keys,
        throttles=Throttles(cache, config),
        mailer=mailer,
        mail_queue=mail_queue,
    )
    billing_mail = BillingMail(mailer=mailer, queue=mail_queue, public_url=settings.base_url)
    users = context.users

    async def first_admin() -> None:
        # Read by whoever runs the service (the terminal shows a generated password once).
        app.state.first_admin = await users.ensure_first_admin(
            email=settings.admin_email or DEFAULT_ADMIN_EMAIL,
            password=settings.admin_password.get_secret_value() if settings.admin_password else None,
        )

    async def watch_keys() -> None:
        runtime.tasks.spawn("signing-keys", keys.reload_periodically(config.key_reload_interval_seconds))

    async def close_cache() -> None:
        if owned_cache:
            await cache.close()

    async def own_jwks() -> dict[str, Any]:
        return keys.jwks()

    runtime = replace(
        build_runtime(
            settings=settings,
            name=NAME,
            migrations=MIGRATIONS,
            bus=bus,
            jwks_fetcher=own_jwks,
            subscriptions=[consumer(billing_mail)],
            on_start=[keys.load, first_admin, watch_keys, mail_queue.start],
            on_stop=[mail_queue.stop, close_cache],
            database=database,
        ),
        # The users service verifies its own tokens with the keys it holds, read in memory: no
        # need to rate-limit refreshes, so a token from a just-rotated key is known at once.
        verifier=TokenVerifier(JwksKeySource(own_jwks, min_refresh_interval=0)),
    )
    app = service_app(
        runtime,
        settings=settings,
        context=context,
        routers=ROUTERS,
        error_statuses=ERROR_STATUSES,
        description="Identity, credentials, tokens and the account document.",
    )
    return app


def _use_cases(
    settings: Settings,
    config: UsersSettings,
    *,
    database: Database,
    passwords: PasswordHashing,
    keys: KeyRing,
    throttles: Throttles,
    mailer: Mailer,
    mail_queue: MailQueue,
) -> UsersContext:
    """The service's use cases, over what the bootstrap built for them."""
    users = UsersService(
        database=database,
        passwords=passwords,
        keys=keys,
        settings=config,
        throttles=throttles,
        access_token_ttl=settings.access_token_ttl_seconds,
        refresh_token_ttl=settings.refresh_token_ttl_seconds,
    )
    return UsersContext(
        users=users,
        credentials=CredentialsService(
            users=users,
            database=database,
            passwords=passwords,
            mailer=mailer,
            mail_queue=mail_queue,
            throttles=throttles,
            public_url=settings.base_url,
            token_ttl_seconds=config.email_token_ttl_seconds,
        ),
        profiles=ProfilesService(database=database, passwords=passwords, keys=keys, settings=config),
        library=LibraryService(database=database),
        account=AccountService(database=database),
        oidc=OidcLogin(
            users=users,
            database=database,
            providers=config.oidc_providers,
            public_url=settings.base_url,
            state_box=SecretBox(settings.secret_key.get_secret_value(), purpose="users-oidc-state"),
            success_redirect=config.oidc_success_redirect,
        ),
    )
