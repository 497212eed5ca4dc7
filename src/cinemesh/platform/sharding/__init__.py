"""Consistent sharding: route keys to weighted database shards, moving the minimum on change.

    ring = ConsistentHashRing()
    ring.add_shard("db-1", {"weight": 1.5, "dsn": ...})
    shard_id, metadata = ring.get_shard("video:42")
    for move in ring.plan_add("db-2", {"weight": 1.0}, scan_keys()):
        copy(move.key, move.from_shard, move.to_shard)
    ring.add_shard("db-2", {"weight": 1.0})

Guarantees and design: docs/sharding.md.
"""

from cinemesh.platform.sharding.errors import (
    DuplicateShardError,
    EmptyRingError,
    InvalidShardError,
    ShardingError,
    UnknownShardError,
)
from cinemesh.platform.sharding.migration import Move
from cinemesh.platform.sharding.ring import ConsistentHashRing, ShardMetadata
from cinemesh.platform.sharding.strategy import VideoShardingStrategy

__all__ = [
    "ConsistentHashRing",
    "DuplicateShardError",
    "EmptyRingError",
    "InvalidShardError",
    "Move",
    "ShardMetadata",
    "ShardingError",
    "UnknownShardError",
    "VideoShardingStrategy",
]
