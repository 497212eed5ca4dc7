"""Per-service databases and migrations on SQLite and on PostgreSQL (database or schema mode)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from cinemesh.platform.db import Database
from cinemesh.platform.migrations import upgrade_to_head
from cinemesh.platform.settings import Settings

pytestmark = pytest.mark.integration

USERS_MIGRATIONS = Path(__file__).parents[3] / "src" / "cinemesh" / "users" / "migrations"
CATALOG_MIGRATIONS = USERS_MIGRATIONS.parent.parent / "catalog" / "migrations"


async def table_names(database: Database) -> set[str]:
    async with database.engine.connect() as connection:
        names: list[str] = await connection.run_sync(
            lambda sync: inspect(sync).get_table_names(schema=database.schema)
        )
    return set(names)


async def migrate_twice(database: Database, service: str, location: Path) -> set[str]:
    await upgrade_to_head(database, service=service, script_location=location)
    await upgrade_to_head(database, service=service, script_location=location)  # idempotent
    return await table_names(database)


async def test_sqlite_file_per_service_is_created_and_migrated(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    users = Database.for_service(settings, "users")
    try:
        tables = await migrate_twice(users, "users", USERS_MIGRATIONS)
    finally:
        await users.dispose()
    assert {"users", "refresh_tokens", "signing_keys", "outbox", "inbox", "alembic_version_users"} <= tables
    assert (tmp_path / "users.db").exists()


async def test_postgres_database_per_service_is_created_on_start(
    postgres_url_factory: Callable[[str], str],
) -> None:
    # A template URL whose {service} database does not exist yet: the first start creates it.
    base = postgres_url_factory("dbmode")
    settings = Settings(database_url=base + "_{service}")
    catalog = Database.for_service(settings, "catalog")
    assert catalog.schema is None
    try:
        tables = await migrate_twice(catalog, "catalog", CATALOG_MIGRATIONS)
    finally:
        await catalog.dispose()
    assert {"titles", "outbox", "inbox", "alembic_version_catalog"} <= tables
    server = Database(base.rsplit("/", 1)[0] + "/postgres")
    name = base.rsplit("/", 1)[1] + "_catalog"
    try:
        async with server.engine.connect() as connection:
            found = await connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            await connection.execute(text("COMMIT"))
            await connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    finally:
        await server.dispose()
    assert found == 1


async def test_postgres_schema_per_service_keeps_services_apart(
    postgres_url_factory: Callable[[str], str],
) -> None:
    settings = Settings(database_url=postgres_url_factory("schemamode"))
    users, catalog = Database.for_service(settings, "users"), Database.for_service(settings, "catalog")
    try:
        users_tables = await migrate_twice(users, "users", USERS_MIGRATIONS)
        catalog_tables = await migrate_twice(catalog, "catalog", CATALOG_MIGRATIONS)
        # Both have an outbox, each in its own schema; neither sees the other's tables.
        assert "outbox" in users_tables and "outbox" in catalog_tables
        assert "titles" not in users_tables and "users" not in catalog_tables
        async with users.transaction() as session:
            assert await session.scalar(text("SELECT current_schema()")) == "users"
    finally:
        await users.dispose()
        await catalog.dispose()


async def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:
        async with database.transaction() as session:
            await session.execute(text("CREATE TABLE things (id INTEGER PRIMARY KEY)"))
        with pytest.raises(RuntimeError):
            async with database.transaction() as session:
                await session.execute(text("INSERT INTO things (id) VALUES (1)"))
                raise RuntimeError("boom")
        async with database.session() as session:
            assert await session.scalar(text("SELECT count(*) FROM things")) == 0
        await database.ping()
    finally:
        await database.dispose()
