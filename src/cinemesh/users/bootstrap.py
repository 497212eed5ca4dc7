"""Composition root of the users service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI

from cinemesh.platform.crypto import SecretBox
from cinemesh.platform.db import Database
from cinemesh.platform.events.bus import EventBus
from cinemesh.platform.service_app import build_service
from cinemesh.platform.settings import Settings
from cinemesh.users.api import routers
from cinemesh.users.passwords import PasswordHashing
from cinemesh.users.service import UsersService

NAME = "users"
DEFAULT_ADMIN_EMAIL = "admin@cinemesh.localhost"


def build_app(
    settings: Settings, *, bus: EventBus | None = None, passwords: PasswordHashing | None = None
) -> FastAPI:
    database = Database.for_service(settings, NAME)
    service = UsersService(
        database=database,
        passwords=passwords or PasswordHashing(),
        key_box=SecretBox(settings.secret_key.get_secret_value(), purpose="users-signing-keys"),
        access_token_ttl=settings.access_token_ttl_seconds,
        refresh_token_ttl=settings.refresh_token_ttl_seconds,
    )

    async def load_keys() -> None:
        await service.load_signing_keys()

    async def first_admin() -> None:
        app.state.first_admin = await service.ensure_first_admin(
            email=settings.admin_email or DEFAULT_ADMIN_EMAIL,
            password=settings.admin_password.get_secret_value() if settings.admin_password else None,
        )

    async def own_jwks() -> dict[str, Any]:
        # The users service verifies its own tokens with the keys it holds: no HTTP round trip.
        return service.issuer.jwks()

    app, _ = build_service(
        settings=settings,
        name=NAME,
        migrations=Path(__file__).parent / "migrations",
        routers=routers,
        bus=bus,
        jwks_fetcher=own_jwks,
        on_start=[load_keys, first_admin],
        database=database,
        description="Identity, credentials, tokens and the account document.",
    )
    app.state.users_service = service
    app.state.first_admin = None
    return app
