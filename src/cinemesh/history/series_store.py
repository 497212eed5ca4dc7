"""The projection of catalog's series: each series' playable episodes in order (next up).

Catalog data is the same for every user, so it lives in the service's own database, never on
a user's shard. A document is kept only if it is newer than the stored one (`updated_at`), so
a replay of catalog's log or a redelivery changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.history.series import Episode, SeriesOrder
from cinemesh.history.store import utc

_metadata = sa.MetaData()

series = sa.Table(
    "history_series",
    _metadata,
    sa.Column("title_id", sa.String(64), primary_key=True),
    sa.Column("title", sa.String(500)),
    sa.Column("published", sa.Boolean, nullable=False),
    sa.Column("episodes", sa.JSON, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)


def _to_order(row: Any) -> SeriesOrder:
    updated_at = utc(row.updated_at)
    assert updated_at is not None
    return SeriesOrder(
        title_id=row.title_id,
        title=row.title,
        published=row.published,
        episodes=tuple(Episode(**episode) for episode in row.episodes),
        updated_at=updated_at,
    )


class SeriesStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def stored_at(self, title_id: str) -> dt.datetime | None:
        value = await self.session.scalar(sa.select(series.c.updated_at).where(series.c.title_id == title_id))
        return utc(value)

    async def save(self, order: SeriesOrder) -> None:
        """Keeps `order` unless the stored one is as new or newer (replays change nothing)."""
        stored = await self.stored_at(order.title_id)
        if stored is not None and stored >= order.updated_at:
            return
        values = {
            "title": order.title[:500] if order.title else None,
            "published": order.published,
            "episodes": [
                {
                    "content_id": e.content_id,
                    "season_number": e.season_number,
                    "episode_number": e.episode_number,
                    "name": e.name,
                }
                for e in order.episodes
            ],
            "updated_at": order.updated_at,
        }
        if stored is None:
            await self.session.execute(sa.insert(series).values(title_id=order.title_id, **values))
        else:
            await self.session.execute(
                sa.update(series).where(series.c.title_id == order.title_id).values(values)
            )

    async def forget(self, title_id: str) -> None:
        """A title that is no longer a series (its type changed)."""
        await self.session.execute(sa.delete(series).where(series.c.title_id == title_id))

    async def orders(self, title_ids: Iterable[str]) -> dict[str, SeriesOrder]:
        wanted = sorted(set(title_ids))
        if not wanted:
            return {}
        rows = await self.session.execute(sa.select(series).where(series.c.title_id.in_(wanted)))
        return {row.title_id: _to_order(row) for row in rows}
