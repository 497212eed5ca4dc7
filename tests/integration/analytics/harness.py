"""An analytics service in-process: beacons over HTTP, contract events through its consumer."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from cinemesh.analytics.bootstrap import build_app
from cinemesh.analytics.settings import AnalyticsSettings
from cinemesh.contracts.events import EventContract
from cinemesh.contracts.publishing import to_envelope
from cinemesh.platform.events.envelope import Envelope
from cinemesh.platform.ids import new_id_str
from cinemesh.platform.settings import Settings
from cinemesh.platform.tokens import SigningKey, TokenIssuer

BEACONS = "/api/v1/analytics/beacons"
T0 = 1_796_000_000_000  # a player clock reading, epoch ms (2026-12)


@dataclass
class Account:
    user_id: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class View:
    """One playback session's beacons, each at `ms` after the view's start on the player clock."""

    cid: str
    tid: str | None = None
    sid: str = field(default_factory=new_id_str)
    start: int = T0
    ids: itertools.count[int] = field(default_factory=itertools.count)

    def event(self, kind: str, ms: int, **keys: Any) -> dict[str, Any]:
        return {
            "id": f"e{next(self.ids)}",
            "e": kind,
            "ts": self.start + ms,
            "sid": self.sid,
            "cid": self.cid,
            **({"tid": self.tid} if self.tid else {}),
            **keys,
        }


@dataclass
class AnalyticsHarness:
    app: FastAPI
    client: httpx.AsyncClient
    issuer: TokenIssuer

    def account(self, *, roles: tuple[str, ...] = ("viewer",), country: str = "FR") -> Account:
        user_id = new_id_str()
        return Account(
            user_id, self.issuer.issue(user_id=user_id, roles=list(roles), extra={"country": country})
        )

    async def send(self, account: Account, events: list[dict[str, Any]]) -> httpx.Response:
        return await self.client.post(BEACONS, json={"events": events}, headers=account.auth)

    async def get(self, account: Account, path: str, **params: Any) -> httpx.Response:
        return await self.client.get(f"/api/v1/analytics{path}", params=params, headers=account.auth)

    async def feed(self, *events: EventContract | Envelope) -> None:
        runtime = self.app.state.runtime
        handler = runtime.subscriptions[0].handler
        for event in events:
            envelope = event if isinstance(event, Envelope) else to_envelope(event, source="tests")
            async with runtime.database.transaction() as session:
                await handler(session, envelope)


@asynccontextmanager
async def running_analytics(
    tmp_path: Path, *, analytics_settings: AnalyticsSettings | None = None
) -> AsyncIterator[AnalyticsHarness]:
    issuer = TokenIssuer([SigningKey.generate()], ttl_seconds=600)

    async def jwks() -> dict[str, Any]:
        return issuer.jwks()

    app = build_app(Settings(data_dir=tmp_path), jwks_fetcher=jwks, analytics_settings=analytics_settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://analytics.test") as client,
    ):
        yield AnalyticsHarness(app=app, client=client, issuer=issuer)


def period_params(days: int = 1) -> dict[str, str]:
    now = dt.datetime.now(dt.UTC)
    return {
        "from": (now - dt.timedelta(days=days)).isoformat(),
        "to": (now + dt.timedelta(minutes=1)).isoformat(),
    }
