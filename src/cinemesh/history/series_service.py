"""Use cases of next up: catalog's series kept in order, and a profile's next episodes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.history.series import NextUp, next_up, series_order
from cinemesh.history.series_store import SeriesStore
from cinemesh.history.service import RECENT_SCAN, HistoryService
from cinemesh.history.store import HistoryStore


class SeriesService:
    def __init__(self, *, history: HistoryService) -> None:
        self.history = history
        self.shards = history.shards

    async def title_changed(
        self, session: AsyncSession, *, title_id: str, document: dict[str, Any], updated_at: dt.datetime
    ) -> None:
        """In the consumer's transaction (the service's own database, never a user's shard)."""
        order = series_order(title_id, document, updated_at)
        store = SeriesStore(session)
        if order is None:
            await store.forget(title_id)
        else:
            await store.save(order)

    async def next_up(self, *, user_id: str, profile_id: str, limit: int) -> list[NextUp]:
        async with self.shards.session(user_id) as session:
            store = HistoryStore(session)
            await self.history.owned(store, user_id=user_id, profile_id=profile_id)
            recent = await store.recent(profile_id, limit=RECENT_SCAN)
        titles = {entry.title_id for entry in recent if entry.title_id}
        async with self.shards.primary.session() as session:
            orders = await SeriesStore(session).orders(titles)
        return next_up(recent, orders)[:limit]
