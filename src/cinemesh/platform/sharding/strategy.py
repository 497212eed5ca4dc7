"""`VideoShardingStrategy`: which database shard holds a video, a user's history, a day's analytics."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from cinemesh.platform.sharding.errors import InvalidShardError
from cinemesh.platform.sharding.migration import Move
from cinemesh.platform.sharding.ring import ConsistentHashRing, ShardMetadata

DEFAULT_REPLICAS = 150  # the seed's value; kept for compatibility, see ConsistentHashRing


class VideoShardingStrategy:
    """Routes each kind of record through one shared ring, under its own key prefix.

    A shard config is a mapping with an `id`, an optional `weight` and whatever else the caller
    needs to reach the shard (host, DSN...); lookups return that config.
    """

    def __init__(self, shard_configs: Iterable[ShardMetadata], *, replicas: int = DEFAULT_REPLICAS) -> None:
        self.hash_ring = ConsistentHashRing(replicas=replicas)
        for config in shard_configs:
            self.add_shard(config)

    @classmethod
    def from_snapshot(cls, snapshot: Mapping[str, Any]) -> VideoShardingStrategy:
        """A strategy over the ring `hash_ring.snapshot()` saved (see ConsistentHashRing.snapshot)."""
        strategy = cls(())
        strategy.hash_ring = ConsistentHashRing.from_snapshot(snapshot)
        return strategy

    def add_shard(self, shard_config: ShardMetadata) -> None:
        self.hash_ring.add_shard(_shard_id(shard_config), shard_config)

    def remove_shard(self, shard_id: str) -> dict[str, Any]:
        return self.hash_ring.remove_shard(shard_id)

    def get_video_shard(self, video_id: str | int) -> ShardMetadata:
        return self.hash_ring.get_shard(f"video:{video_id}")[1]

    def get_user_view_history_shard(self, user_id: str | int) -> ShardMetadata:
        return self.hash_ring.get_shard(f"history:{user_id}")[1]

    def get_analytics_shard(self, date: str | dt.date) -> ShardMetadata:
        """The shard of one day's analytics. The date is normalised to `YYYY-MM-DD` first, so
        `date(2024, 1, 5)` and `"2024-01-05"` cannot end up on two different shards."""
        if isinstance(date, str):
            try:
                date = dt.date.fromisoformat(date)
            except ValueError:
                raise ValueError(f"Analytics date must be YYYY-MM-DD, got {date!r}") from None
        day = date.date() if isinstance(date, dt.datetime) else date
        return self.hash_ring.get_shard(f"analytics:{day.isoformat()}")[1]

    def plan_data_migration(
        self, old_shard: str | None, new_shard_config: ShardMetadata, keys: Iterable[str] = ()
    ) -> Iterator[Move]:
        """Add `new_shard_config` now and return the moves it causes among `keys`.

        `keys` are ring keys (`video:42`, `history:7`...), typically a scan of `old_shard`'s
        tables; only moves out of `old_shard` are yielded (all moves when it is None). As in the
        seed, the shard is added immediately, not when the moves are consumed; to plan without
        changing anything, use `hash_ring.plan_add`.
        """
        if old_shard is not None and old_shard not in self.hash_ring:
            raise ValueError(f"Shard {old_shard!r} not found in the ring")
        moves = self.hash_ring.plan_add(_shard_id(new_shard_config), new_shard_config, keys)
        self.add_shard(new_shard_config)
        if old_shard is None:
            return moves
        return (move for move in moves if move.from_shard == old_shard)


def _shard_id(config: Mapping[str, Any]) -> str:
    if "id" not in config:
        raise InvalidShardError("Shard configuration must include 'id'")
    shard_id = config["id"]
    if not isinstance(shard_id, str):
        raise InvalidShardError(f"Shard id must be a string, got {shard_id!r}")
    return shard_id
