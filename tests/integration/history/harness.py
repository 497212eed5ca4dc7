"""A history service in-process, fed contract events through its own consumer handler."""

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

from cinemesh.contracts.delivery import PlaybackProgressV1
from cinemesh.contracts.events import EventContract
from cinemesh.contracts.publishing import to_envelope
from cinemesh.contracts.users import ProfileChangedV1
from cinemesh.history.bootstrap import build_app
from cinemesh.history.settings import HistorySettings
from cinemesh.platform.events.envelope import Envelope
from cinemesh.platform.ids import new_id_str
from cinemesh.platform.settings import Settings
from cinemesh.platform.tokens import SigningKey, TokenIssuer

START = dt.datetime(2026, 12, 1, 20, 0, tzinfo=dt.UTC)


@dataclass
class Viewer:
    user_id: str
    profile_id: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def params(self, **extra: Any) -> dict[str, Any]:
        return {"profile_id": self.profile_id, **extra}


@dataclass
class Playback:
    """One playback session on one device: makes its reports with rising sequence numbers."""

    viewer: Viewer
    content_id: str
    title_id: str
    duration: float = 1000.0
    session_id: str = field(default_factory=new_id_str)
    device_id: str = field(default_factory=new_id_str)
    sequence: int = 0
    content_type: str = "movie"
    trailer: bool = False

    def report(self, position: float, *, at: dt.datetime) -> PlaybackProgressV1:
        self.sequence += 1
        return PlaybackProgressV1(
            session_id=self.session_id,
            user_id=self.viewer.user_id,
            profile_id=self.viewer.profile_id,
            device_id=self.device_id,
            content_id=self.content_id,
            title_id=self.title_id,
            content_type=self.content_type,
            video_id=self.content_id,
            position_seconds=position,
            duration_seconds=self.duration,
            trailer=self.trailer,
            sequence=self.sequence,
            reported_at=at,
        )


@dataclass
class HistoryHarness:
    app: FastAPI
    client: httpx.AsyncClient
    issuer: TokenIssuer
    clock: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def at(self) -> dt.datetime:
        """A later report time each call (delivery's clock)."""
        return START + dt.timedelta(seconds=next(self.clock))

    async def feed_envelopes(self, *envelopes: Envelope) -> None:
        runtime = self.app.state.runtime
        handler = runtime.subscriptions[0].handler
        for envelope in envelopes:
            async with runtime.database.transaction() as session:
                await handler(session, envelope)

    async def feed(self, *events: EventContract) -> None:
        await self.feed_envelopes(*(to_envelope(event, source="tests") for event in events))

    async def viewer(self, *, user_id: str | None = None, is_kids: bool = False) -> Viewer:
        user_id = user_id or new_id_str()
        profile_id = new_id_str()
        await self.feed(
            ProfileChangedV1(
                user_id=user_id,
                profile_id=profile_id,
                change="created",
                name="Kids" if is_kids else "Main",
                is_kids=is_kids,
                is_main=not is_kids,
                max_maturity_rating=None,
                pin_required=False,
                changed_at=dt.datetime.now(dt.UTC),
            )
        )
        token = self.issuer.issue(user_id=user_id, roles=["viewer"], extra={"country": "US"})
        return Viewer(user_id=user_id, profile_id=profile_id, token=token)

    async def get(self, viewer: Viewer, path: str, **params: Any) -> httpx.Response:
        return await self.client.get(path, params=viewer.params(**params), headers=viewer.auth)


@asynccontextmanager
async def running_history(
    tmp_path: Path, *, history_settings: HistorySettings | None = None, **settings: Any
) -> AsyncIterator[HistoryHarness]:
    issuer = TokenIssuer([SigningKey.generate()], ttl_seconds=600)

    async def jwks() -> dict[str, Any]:
        return issuer.jwks()

    app = build_app(
        Settings(data_dir=tmp_path, **settings), jwks_fetcher=jwks, history_settings=history_settings
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://history.test") as client,
    ):
        yield HistoryHarness(app=app, client=client, issuer=issuer)
