"""Composition root of the users service."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from cinemesh.platform.cache import Cache, build_cache
from cinemesh.platform.crypto import SecretBox
from cinemesh.platform.db import Database
from cinemesh.platform.events.bus import EventBus
from cinemesh.platform.service_app import build_service
from cinemesh.platform.settings import Settings
from cinemesh.platform.tokens import JwksFetcher, JwksKeySource, TokenVerifier
from cinemesh.users import billing_events
from cinemesh.users.account_service import AccountService
from cinemesh.users.api import auth, well_known
from cinemesh.users.api_account import me
from cinemesh.users.api_admin import admin
from cinemesh.users.credentials import CredentialsService
from cinemesh.users.deps import Services
from cinemesh.users.keys import KeyRing
from cinemesh.users.library_service import LibraryService
from cinemesh.users.mail_queue import MailQueue
from cinemesh.users.mailer import Mailer, build_mailer
from cinemesh.users.oidc import OidcLogin
from cinemesh.users.passwords import PasswordHashing
from cinemesh.users.profiles_service import ProfilesService
from cinemesh.users.service import UsersService
from cinemesh.users.settings import UsersSettings
from cinemesh.users.throttle import Throttles

NAME = "users"
DEFAULT_ADMIN_EMAIL = "admin@cinemesh.localhost"
routers = (auth, me, admin, well_known)


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
    throttles = Throttles(cache, config)
    mail_queue = MailQueue(capacity=config.mail_queue_capacity)
    database = Database.for_service(settings, NAME)
    passwords = passwords or PasswordHashing(
        time_cost=config.argon2_time_cost,
        memory_cost_kib=config.argon2_memory_kib,
        parallelism=config.argon2_parallelism,
    )
    secret = settings.secret_key.get_secret_value()
    keys = KeyRing(
        database=database,
        key_box=SecretBox(secret, purpose="users-signing-keys"),
        access_token_ttl=settings.access_token_ttl_seconds,
        longest_token_ttl=max(settings.access_token_ttl_seconds, config.unlock_token_ttl_seconds),
        activation_delay=config.key_activation_delay_seconds,
    )
    users = UsersService(
        database=database,
        passwords=passwords,
        keys=keys,
        settings=config,
        throttles=throttles,
        access_token_ttl=settings.access_token_ttl_seconds,
        refresh_token_ttl=settings.refresh_token_ttl_seconds,
    )
    services = Services(
        users=users,
        credentials=CredentialsService(
            users=users,
            database=database,
            passwords=passwords,
            mailer=mailer or build_mailer(config, dev_mode=settings.dev_mode),
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
            state_box=SecretBox(secret, purpose="users-oidc-state"),
            success_redirect=config.oidc_success_redirect,
        ),
    )

    async def first_admin() -> None:
        app.state.first_admin = await users.ensure_first_admin(
            email=settings.admin_email or DEFAULT_ADMIN_EMAIL,
            password=settings.admin_password.get_secret_value() if settings.admin_password else None,
        )

    reloading: list[asyncio.Task[None]] = []

    async def watch_keys() -> None:
        reloading.append(asyncio.create_task(keys.reload_periodically(config.key_reload_interval_seconds)))

    async def stop_watching_keys() -> None:
        for task in reloading:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        reloading.clear()

    async def close_cache() -> None:
        if owned_cache:
            await cache.close()

    async def own_jwks() -> dict[str, Any]:
        return keys.jwks()

    app, _ = build_service(
        settings=settings,
        name=NAME,
        migrations=Path(__file__).parent / "migrations",
        routers=routers,
        bus=bus,
        jwks_fetcher=own_jwks,
        subscriptions=[billing_events.consumer()],
        on_start=[keys.load, first_admin, watch_keys, mail_queue.start],
        on_stop=[stop_watching_keys, mail_queue.stop, close_cache],
        database=database,
        description="Identity, credentials, tokens and the account document.",
    )
    # The users service verifies its own tokens with the keys it holds, read in memory: no need
    # to rate-limit refreshes, so a token from a just-rotated key is known at once.
    app.state.token_verifier = TokenVerifier(JwksKeySource(own_jwks, min_refresh_interval=0))
    app.state.users_services = services
    app.state.users_service = users
    app.state.first_admin = None
    return app
