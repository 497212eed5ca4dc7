"""The request-path baseline: the least a Python stack of the same parts does per request.

A minimal FastAPI app on granian (1 worker, like `cinemesh up`): SQLAlchemy async + aiosqlite
running one `SELECT ... LIMIT 24`, and with a bearer token an EdDSA JWT check (PyJWT against an
Ed25519 public key, the same algorithm and claims cinemesh verifies). `bench.request_path` runs
it as a granian factory: `bench._baseline_app:app_from_env`.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import jwt
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import FastAPI, Header, HTTPException
from sqlalchemy.ext.asyncio import create_async_engine

TITLES = sa.table("titles", sa.column("id"), sa.column("title"), sa.column("created_at"))


def app_from_env() -> FastAPI:
    data_dir = Path(os.environ["BENCH_BASELINE_DIR"])
    key = serialization.load_pem_public_key((data_dir / "public.pem").read_bytes())
    assert isinstance(key, Ed25519PublicKey)
    engine = create_async_engine(f"sqlite+aiosqlite:///{data_dir / 'baseline.db'}")

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with engine.begin() as connection:
            await connection.execute(
                sa.text(
                    "CREATE TABLE IF NOT EXISTS titles (id TEXT PRIMARY KEY, title TEXT, created_at TEXT)"
                )
            )
            await connection.execute(sa.text("CREATE INDEX IF NOT EXISTS newest ON titles (created_at)"))
        yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)

    def verify(authorization: str | None) -> dict[str, Any] | None:
        if authorization is None:
            return None
        try:
            claims: dict[str, Any] = jwt.decode(
                authorization.removeprefix("Bearer "),
                key,
                algorithms=["EdDSA"],
                audience="cinemesh",
                issuer="cinemesh",
                options={"require": ["exp", "iat", "sub", "jti", "aud", "iss"]},
            )
        except jwt.InvalidTokenError as exc:
            raise HTTPException(401, "invalid token") from exc
        return claims

    @app.get("/api/v1/titles")
    async def titles(authorization: str | None = Header(default=None)) -> dict[str, Any]:
        verify(authorization)
        async with engine.connect() as connection:
            rows = await connection.execute(
                sa.select(TITLES.c.id, TITLES.c.title).order_by(TITLES.c.created_at.desc()).limit(24)
            )
            items = [{"id": row.id, "title": row.title} for row in rows]
        return {"items": items, "next_cursor": None}

    return app
