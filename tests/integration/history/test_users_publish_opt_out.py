"""The users service tells history a profile's `watch_history_included` in its profile events."""

from __future__ import annotations

from pathlib import Path

from tests.integration.users.harness import running_users


async def test_profile_events_carry_the_preference(tmp_path: Path) -> None:
    async with running_users(tmp_path) as users:
        user = await users.register()
        created = await users.client.post(
            "/api/v1/me/profiles",
            json={"name": "Guest", "preferences": {"watch_history_included": False}},
            headers=user.auth,
        )
        assert created.status_code == 201, created.text
        guest = created.json()["profile_id"]
        changed = await users.client.patch(
            f"/api/v1/me/profiles/{guest}",
            json={"preferences": {"watch_history_included": True}},
            headers=user.auth,
        )
        assert changed.status_code == 200, changed.text
        events = await users.events("users.profile.changed.v1", user.user_id)
        flags = [(e["profile_id"] == guest, e["change"], e["watch_history_included"]) for e in events]
        # The main profile (no preference set) is included by default, the seed's default.
        assert flags == [(False, "created", True), (True, "created", False), (True, "updated", True)]
