"""Key rotation: tokens signed before stay valid, new ones use the new kid, old keys retire."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from pathlib import Path

import jwt

from cinemesh.platform.crypto import SecretBox
from cinemesh.platform.db import Database
from cinemesh.platform.migrations import upgrade_to_head
from cinemesh.users.bootstrap import NAME
from cinemesh.users.identity.keys import KeyRing
from tests.integration.users.harness import Harness, assert_problem

MIGRATIONS = Path(__file__).parents[3] / "src" / "cinemesh" / "users" / "migrations"


async def test_rotation_keeps_old_tokens_valid_and_signs_new_ones_with_the_new_kid(users: Harness) -> None:
    user = await users.register()
    old_kid = jwt.get_unverified_header(user.access_token)["kid"]
    admin = await users.admin()
    rotated = await users.client.post("/api/v1/admin/users/signing-keys/rotate", headers=admin.auth)
    assert rotated.status_code == 201, rotated.text
    new_kid = rotated.json()["kid"]
    assert new_kid != old_kid

    published = {key["kid"] for key in (await users.client.get("/.well-known/jwks.json")).json()["keys"]}
    assert published == {old_kid, new_kid}
    assert (await users.client.get("/api/v1/me", headers=user.auth)).status_code == 200  # signed before
    fresh = await users.login(user.email)
    assert jwt.get_unverified_header(fresh["access_token"])["kid"] == new_kid
    assert (
        await users.client.get("/api/v1/me", headers={"Authorization": f"Bearer {fresh['access_token']}"})
    ).status_code == 200
    refreshed = await users.client.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh_token})
    assert jwt.get_unverified_header(refreshed.json()["access_token"])["kid"] == new_kid


async def test_a_rotated_key_waits_to_sign_and_the_old_one_retires_after_its_tokens_expire(
    tmp_path: Path,
) -> None:
    clock = [dt.datetime(2026, 1, 1, tzinfo=dt.UTC)]
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'users.db'}")
    await upgrade_to_head(database, service=NAME, script_location=MIGRATIONS)
    ring = KeyRing(
        database=database,
        key_box=SecretBox("test-secret", purpose="users-signing-keys"),
        access_token_ttl=900,
        longest_token_ttl=900,
        activation_delay=15,
        clock=lambda: clock[0],
    )
    try:
        await ring.load()
        first = ring.signer().kid
        second = await ring.rotate()
        assert ring.signer().kid == first  # published, not signing yet: caches learn it first
        assert {key["kid"] for key in ring.jwks()["keys"]} == {first, second}
        clock[0] += dt.timedelta(seconds=16)
        assert ring.signer().kid == second
        clock[0] += dt.timedelta(seconds=900 + 61)
        assert {key["kid"] for key in ring.jwks()["keys"]} == {second}
        await ring.load()  # and a restart marks it retired for good
        assert {key["kid"] for key in ring.jwks()["keys"]} == {second}
    finally:
        await database.dispose()


async def test_rotation_is_admin_only(users: Harness) -> None:
    viewer = await users.register()
    assert_problem(
        await users.client.post("/api/v1/admin/users/signing-keys/rotate", headers=viewer.auth), 403
    )


async def test_another_process_picks_up_a_rotation_by_reloading(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'users.db'}")
    await upgrade_to_head(database, service=NAME, script_location=MIGRATIONS)
    box = SecretBox("test-secret", purpose="users-signing-keys")
    rings = [
        KeyRing(
            database=database, key_box=box, access_token_ttl=900, longest_token_ttl=900, activation_delay=0
        )
        for _ in range(2)
    ]
    try:
        await rings[0].load()
        await rings[1].load()
        watcher = asyncio.create_task(rings[1].reload_periodically(0.05))
        new_kid = await rings[0].rotate()
        for _ in range(100):
            if rings[1].signer().kid == new_kid:
                break
            await asyncio.sleep(0.05)
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        assert rings[1].signer().kid == new_kid
        assert {key["kid"] for key in rings[1].jwks()["keys"]} == {
            key["kid"] for key in rings[0].jwks()["keys"]
        }
    finally:
        await database.dispose()
