"""A delivery service in-process with its projections fed by contract events, for tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from cinemesh.contracts.catalog import AvailabilityWindow, TitlePublishedV1, TitleUnpublishedV1
from cinemesh.contracts.events import EventContract
from cinemesh.contracts.publishing import to_envelope
from cinemesh.contracts.users import DeviceChangedV1, ProfileChangedV1, SubscriptionChangedV1
from cinemesh.delivery.bootstrap import build_app
from cinemesh.platform.ids import new_id_str
from cinemesh.platform.settings import Settings
from cinemesh.platform.tokens import JwksFetcher, SigningKey, TokenIssuer
from tests.fixtures.cmaf import CmafVideo

NOW = dt.datetime.now(dt.UTC)
EVERYWHERE = [AvailabilityWindow(country=c, starts_at=NOW - dt.timedelta(days=1)) for c in ("US", "FR")]


@dataclass
class Viewer:
    user_id: str
    profile_id: str
    device_id: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class DeliveryHarness:
    app: FastAPI
    client: httpx.AsyncClient
    issuer: TokenIssuer
    video: CmafVideo
    data_dir: Path
    content_id: str = field(default_factory=new_id_str)

    @property
    def signing_secret(self) -> str:
        secret: bytes = self.app.state.context.signer.secret
        return secret.decode()

    async def feed(self, *events: EventContract) -> None:
        """Applies events through the service's own consumer handler, in one transaction each."""
        runtime = self.app.state.runtime
        (consumer,) = runtime.subscriptions
        for event in events:
            async with runtime.database.transaction() as session:
                await consumer.handler(session, to_envelope(event, source="tests"))

    async def publish_title(
        self, *, rating: str | None = "PG", windows: list[AvailabilityWindow] | None = None
    ) -> None:
        await self.feed(
            self.video.event,
            TitlePublishedV1(
                title_id=self.video.title_id,
                content_id=self.content_id,
                content_type="movie",
                maturity_rating=rating,
                video_id=self.video.video_id,
                windows=EVERYWHERE if windows is None else windows,
                published_at=dt.datetime.now(dt.UTC),
            ),
        )
        await self.app.state.context.packager.wait_idle()  # DASH CENC is packaged in the background

    async def unpublish_title(self) -> None:
        await self.feed(
            TitleUnpublishedV1(
                title_id=self.video.title_id,
                content_id=self.content_id,
                video_id=self.video.video_id,
                reason="unpublished",
                unpublished_at=dt.datetime.now(dt.UTC),
            )
        )

    async def viewer(
        self,
        *,
        tier: str | None = None,
        status: str = "active",
        country: str = "US",
        limit: str | None = None,
        pin_required: bool = False,
        is_kids: bool = False,
    ) -> Viewer:
        user_id, profile_id, device_id = new_id_str(), new_id_str(), new_id_str()
        now = dt.datetime.now(dt.UTC)
        events: list[EventContract] = [
            ProfileChangedV1(
                user_id=user_id,
                profile_id=profile_id,
                change="created",
                name="Main",
                is_kids=is_kids,
                is_main=not is_kids,
                max_maturity_rating=limit,
                pin_required=pin_required,
                changed_at=now,
            ),
            DeviceChangedV1(
                user_id=user_id, device_id=device_id, change="registered", device_type="tv", changed_at=now
            ),
        ]
        if tier is not None:
            events.append(SubscriptionChangedV1(user_id=user_id, tier=tier, status=status, changed_at=now))
        await self.feed(*events)
        token = self.issuer.issue(user_id=user_id, roles=["viewer"], extra={"country": country})
        return Viewer(user_id=user_id, profile_id=profile_id, device_id=device_id, token=token)

    async def start(self, viewer: Viewer, **extra: Any) -> httpx.Response:
        body = {
            "content_id": self.content_id,
            "profile_id": viewer.profile_id,
            "device_id": viewer.device_id,
            **extra,
        }
        return await self.client.post("/api/v1/playback", json=body, headers=viewer.auth)


@asynccontextmanager
async def running_delivery(
    tmp_path: Path,
    video: CmafVideo,
    *,
    base_url: str = "http://origin.test",
    issuer: TokenIssuer | None = None,
    jwks_fetcher: JwksFetcher | None = None,
    users_app: FastAPI | None = None,
    **settings: Any,
) -> AsyncIterator[DeliveryHarness]:
    """`jwks_fetcher` and `users_app` put a real users service behind delivery (its keys, its
    device confirmations); by default tokens come from a local issuer and nothing is confirmed."""
    issuer = issuer or TokenIssuer([SigningKey.generate()], ttl_seconds=600)

    async def jwks() -> dict[str, Any]:
        return issuer.jwks()

    platform = Settings(data_dir=tmp_path, **settings)
    video.install(tmp_path / "objects" / "data")
    app = build_app(platform, jwks_fetcher=jwks_fetcher or jwks, users_app=users_app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url) as client,
    ):
        yield DeliveryHarness(app=app, client=client, issuer=issuer, video=video, data_dir=tmp_path)


@asynccontextmanager
async def served_over_http(app: FastAPI, port: int | None = None) -> AsyncIterator[str]:
    """Serves `app` (lifespan already running) with granian on a free loopback port, in this
    event loop, so real clients (ffmpeg, nginx) can fetch from it; yields the base URL."""
    import asyncio

    from granian.constants import Interfaces
    from granian.server.embed import Server

    from tests.fixtures._net import free_port

    port = port or free_port()
    server = Server(app, address="127.0.0.1", port=port, interface=Interfaces.ASGINL, log_enabled=False)
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.02)
            continue
        writer.close()
        await writer.wait_closed()
        break
    else:
        raise RuntimeError("granian did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        await asyncio.wait_for(task, timeout=10)


async def ffmpeg_play(url: str, *, timeout: float = 60) -> tuple[int, str, int]:
    """Plays `url` to the null muxer: (exit code, stderr, decoded video frames)."""
    import asyncio
    import re

    import imageio_ffmpeg

    process = await asyncio.create_subprocess_exec(
        imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "info", "-stats",
        "-i", url, "-map", "0:v", "-f", "null", "-",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=timeout)
    text = stderr.decode(errors="replace")
    frames = [int(n) for n in re.findall(r"frame=\s*(\d+)", text)]
    return process.returncode or 0, text, max(frames, default=0)
