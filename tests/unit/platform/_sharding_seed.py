"""The seed's shard configurations and a ring built from them, shared by the sharding tests."""

from __future__ import annotations

from cinemesh.platform.sharding import ConsistentHashRing

SEED_CONFIGS = [
    {"id": "video_shard_1", "weight": 1.5, "host": "db1"},
    {"id": "video_shard_2", "weight": 1.0, "host": "db2"},
    {"id": "video_shard_3", "weight": 1.2, "host": "db3"},
]
FOURTH = {"id": "video_shard_4", "weight": 1.0, "host": "db4"}
# Placement is data layout: changing it silently would strand data on the wrong shards. If this
# fingerprint changes, the change is a migration and must be released as one.
SEED_FINGERPRINT = "a809a306b2221fe63d39e74373638171"


def seed_ring(*configs: dict[str, object]) -> ConsistentHashRing:
    ring = ConsistentHashRing(replicas=150)
    for config in configs or (*SEED_CONFIGS, FOURTH):
        ring.add_shard(str(config["id"]), config)
    return ring
