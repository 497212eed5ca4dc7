"""Alembic migrations per service, applied by a start step (never on import).

Each service keeps `migrations/versions/` beside an `env.py` of two lines that calls
`run_alembic_env()`. `upgrade_to_head` runs them on the service's own engine, creating the
PostgreSQL database or schema first when it does not exist yet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from cinemesh.platform.db import Database


def _alembic_config(script_location: Path, service: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["version_table"] = f"alembic_version_{service}"
    return config


async def _ensure_postgres_database(database: Database) -> None:
    name = database.url.database
    if not name:
        return
    admin_url = database.url.set(database="postgres")
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            exists = await connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not exists:
                quoted = connection.dialect.identifier_preparer.quote(name)
                await connection.execute(text(f"CREATE DATABASE {quoted}"))
    finally:
        await engine.dispose()


async def upgrade_to_head(database: Database, *, service: str, script_location: Path) -> None:
    if database.is_postgres:
        await _ensure_postgres_database(database)
    config = _alembic_config(script_location, service)

    def run(sync_connection: Connection) -> None:
        if database.schema:
            quoted = sync_connection.dialect.identifier_preparer.quote(database.schema)
            sync_connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {quoted}"))
        config.attributes["connection"] = sync_connection
        command.upgrade(config, "head")

    async with database.engine.begin() as connection:
        await connection.run_sync(run)


def run_alembic_env() -> None:
    """Body of every service's `migrations/env.py`: run on the connection we were handed."""
    connection: Connection | None = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("cinemesh migrations run through upgrade_to_head(), not the alembic CLI")
    options: dict[str, Any] = {
        "connection": connection,
        "target_metadata": None,
        "version_table": context.config.attributes["version_table"],
        "render_as_batch": connection.dialect.name == "sqlite",
    }
    context.configure(**options)
    with context.begin_transaction():
        context.run_migrations()
