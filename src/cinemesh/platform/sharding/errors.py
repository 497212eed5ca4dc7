"""Errors raised by the sharding package.

Every error is a `ValueError`, as the seed's were, so existing `except ValueError` handlers keep
working; the subclasses let new code tell the cases apart without parsing messages.
"""

from __future__ import annotations


class ShardingError(ValueError):
    """Base class of every sharding error."""


class DuplicateShardError(ShardingError):
    def __init__(self, shard_id: str) -> None:
        super().__init__(f"Shard {shard_id!r} already exists in the ring")


class UnknownShardError(ShardingError):
    def __init__(self, shard_id: str) -> None:
        super().__init__(f"Shard {shard_id!r} not found in the ring")


class EmptyRingError(ShardingError):
    def __init__(self) -> None:
        super().__init__("No shards available in the hash ring")


class InvalidShardError(ShardingError):
    """A shard id, weight or configuration that cannot be placed."""
