"""The viewer's copy of everything history holds about the account (GDPR art. 15/20).

`GET /api/v1/history/export` answers it for the caller's whole account, every profile. The
gateway embeds it as `history` in `GET /api/v1/me/export` (docs/history.md): users, which owns
that route, never imports history nor calls it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cinemesh.history.domain import Progress
from cinemesh.history.shards import HistoryShards
from cinemesh.history.store import HistoryStore, ProfileState

FORMAT = "cinemesh.history.export.v1"


@dataclass(frozen=True)
class ProfileExport:
    profile: ProfileState
    entries: list[Progress]


@dataclass(frozen=True)
class HistoryExport:
    exported_at: dt.datetime
    profiles: list[ProfileExport]


async def export_account(shards: HistoryShards, *, user_id: str) -> HistoryExport:
    """Every profile of the account history knows, each with all its entries (resume points,
    watched, hidden ones); an account with no history yet has none (not an error)."""
    async with shards.session(user_id) as session:
        store = HistoryStore(session)
        profiles = await store.profiles_of(user_id)
        entries = await store.entries_of(user_id)
    return HistoryExport(
        exported_at=dt.datetime.now(dt.UTC),
        profiles=[
            ProfileExport(profile, [entry for entry in entries if entry.profile_id == profile.profile_id])
            for profile in profiles
        ],
    )
