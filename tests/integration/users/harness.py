"""The users service built in-process on a fresh SQLite file, with a recording mailer and cheap
argon2 parameters (the real cost is measured in bench/login.py, not paid in every test)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import sqlalchemy as sa
from fastapi import FastAPI

from cinemesh.contracts.schemas import user_profile_schema
from cinemesh.platform.cache import Cache
from cinemesh.platform.events.envelope import Envelope
from cinemesh.platform.events.outbox import outbox_table
from cinemesh.platform.settings import Settings
from cinemesh.users.bootstrap import build_app
from cinemesh.users.http.deps import UsersContext
from cinemesh.users.identity.mailer import Mail
from cinemesh.users.identity.passwords import PasswordHashing
from cinemesh.users.settings import UsersSettings
from tests.fixtures._problems import assert_problem as problem

BASE_URL = "http://users.test"
PASSWORD = "correct horse battery"
FAST_PASSWORDS = PasswordHashing(time_cost=1, memory_cost_kib=1024, parallelism=1)


@dataclass
class RecordingMailer:
    sent: list[Mail] = field(default_factory=list)

    async def send(self, mail: Mail) -> None:
        self.sent.append(mail)

    def last_token(self, to: str) -> str:
        mail = next(mail for mail in reversed(self.sent) if mail.to == to)
        return mail.link.split("token=", 1)[1]


@dataclass
class User:
    user_id: str
    email: str
    username: str
    access_token: str
    refresh_token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


@dataclass
class Harness:
    app: FastAPI
    client: httpx.AsyncClient
    mailer: RecordingMailer

    @property
    def services(self) -> UsersContext:
        services: UsersContext = self.app.state.context
        return services

    async def register(self, *, country: str = "DE", username: str | None = None) -> User:
        suffix = uuid.uuid4().hex[:10]
        username = username or f"viewer_{suffix}"
        email = f"{username.lower()}@example.com"
        body = {"email": email, "username": username, "password": PASSWORD, "country": country}
        response = await self.client.post("/api/v1/auth/register", json=body)
        assert response.status_code == 201, response.text
        tokens = await self.login(email)
        return User(
            response.json()["user_id"], email, username, tokens["access_token"], tokens["refresh_token"]
        )

    async def login(self, email: str, password: str = PASSWORD) -> dict[str, Any]:
        response = await self.client.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        tokens: dict[str, Any] = response.json()
        return tokens

    async def admin(self) -> User:
        tokens = await self.login("admin@cinemesh.localhost", "admin-password-for-tests")
        return User("", "admin@cinemesh.localhost", "admin", tokens["access_token"], tokens["refresh_token"])

    async def me(self, user: User) -> dict[str, Any]:
        response = await self.client.get("/api/v1/me", headers=user.auth)
        assert response.status_code == 200, response.text
        document: dict[str, Any] = response.json()
        assert_valid_document(document)
        return document

    async def mail_settled(self) -> None:
        """Waits for the mails queued so far (reset links are sent by a worker, after the 202)."""
        await self.services.credentials.mail_queue.settled()

    async def events(self, event_type: str, user_id: str | None = None) -> list[dict[str, Any]]:
        """Payloads of the events the service recorded in its outbox, oldest first."""
        database = self.app.state.runtime.database
        async with database.session() as session:
            payloads = (
                await session.execute(sa.select(outbox_table.c.payload).order_by(outbox_table.c.seq))
            ).scalars()
            envelopes = [Envelope.from_bytes(payload) for payload in payloads]
        return [
            envelope.data
            for envelope in envelopes
            if envelope.type == event_type and (user_id is None or envelope.data.get("user_id") == user_id)
        ]


def assert_valid_document(document: dict[str, Any]) -> None:
    jsonschema.validate(
        document, user_profile_schema(), format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )


def assert_problem(response: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    """The users tests name a field where the others name a code."""
    return problem(response, status, field=field)


@asynccontextmanager
async def running_users(
    tmp_path: Path,
    *,
    settings: dict[str, Any] | None = None,
    users_settings: dict[str, Any] | None = None,
    cache: Cache | None = None,
) -> AsyncIterator[Harness]:
    mailer = RecordingMailer()
    app = build_app(
        Settings(
            data_dir=tmp_path,
            admin_password="admin-password-for-tests",
            **{"public_url": BASE_URL, **(settings or {})},
        ),
        passwords=FAST_PASSWORDS,
        users_settings=UsersSettings(key_activation_delay_seconds=0, **(users_settings or {})),
        mailer=mailer,
        cache=cache,
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            yield Harness(app=app, client=client, mailer=mailer)
