"""Behaviour of cinemesh.platform.sharding: determinism, bounded load, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from types import MappingProxyType

import pytest

from cinemesh.platform.sharding import (
    ConsistentHashRing,
    DuplicateShardError,
    EmptyRingError,
    InvalidShardError,
    ShardingError,
    UnknownShardError,
    VideoShardingStrategy,
)
from tests.unit.platform._sharding_seed import SEED_FINGERPRINT, seed_ring

# -- determinism ----------------------------------------------------------------------------------

_CHILD = """
from cinemesh.platform.sharding import ConsistentHashRing
ring = ConsistentHashRing(replicas=150)
for shard, weight in [("video_shard_1", 1.5), ("video_shard_2", 1.0), ("video_shard_3", 1.2),
                      ("video_shard_4", 1.0)]:
    ring.add_shard(shard, {"weight": weight})
ring.remove_shard("video_shard_2")
print(ring.fingerprint())
print(",".join(ring.get_shards(f"video:{i}" for i in range(200))))
"""


def test_placement_is_identical_across_processes_and_hash_seeds() -> None:
    ring = seed_ring()
    ring.remove_shard("video_shard_2")
    expected = f"{ring.fingerprint()}\n{','.join(ring.get_shards(f'video:{i}' for i in range(200)))}\n"
    for hash_seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        child = subprocess.run(
            [sys.executable, "-c", _CHILD], env=env, capture_output=True, text=True, check=True, timeout=60
        )
        assert child.stdout == expected


def test_placement_matches_the_released_layout() -> None:
    assert seed_ring().fingerprint() == SEED_FINGERPRINT


def test_a_snapshot_restores_the_same_routing_and_the_same_future() -> None:
    ring = seed_ring()
    ring.remove_shard("video_shard_2")
    restored = ConsistentHashRing.from_snapshot(json.loads(json.dumps(ring.snapshot())))
    assert restored.fingerprint() == ring.fingerprint()
    assert restored.get_shard("video:9") == ring.get_shard("video:9")
    for either in (ring, restored):
        either.add_shard("video_shard_5", {"weight": 2.0})
        either.remove_shard("video_shard_3")
    assert restored.fingerprint() == ring.fingerprint()
    strategy = VideoShardingStrategy.from_snapshot(ring.snapshot())
    assert strategy.get_video_shard(9) == ring.get_shard("video:9")[1]


def test_the_fingerprint_covers_future_moves_not_just_routing() -> None:
    snapshot = seed_ring().snapshot()
    first = snapshot["shards"][0]
    reordered = {**snapshot, "shards": [{**first, "slots": first["slots"][::-1]}, *snapshot["shards"][1:]]}
    ring, twin = ConsistentHashRing.from_snapshot(snapshot), ConsistentHashRing.from_snapshot(reordered)
    keys = [f"video:{i}" for i in range(1_000)]
    assert ring.get_shards(keys) == twin.get_shards(keys)
    assert ring.fingerprint() != twin.fingerprint(), "the two would give away different slots"


def test_an_inconsistent_snapshot_is_refused() -> None:
    snapshot = seed_ring().snapshot()
    with pytest.raises(ShardingError, match="format"):
        ConsistentHashRing.from_snapshot({**snapshot, "format": 99})
    doubled = {**snapshot, "shards": [*snapshot["shards"], snapshot["shards"][0]]}
    with pytest.raises(ShardingError, match="Invalid ring snapshot"):
        ConsistentHashRing.from_snapshot(doubled)
    short = {**snapshot, "shards": snapshot["shards"][1:]}
    with pytest.raises(ShardingError, match="no owner"):
        ConsistentHashRing.from_snapshot(short)
    with pytest.raises(ShardingError, match="Invalid ring snapshot"):
        ConsistentHashRing.from_snapshot({"format": 1})


# -- bounded load ---------------------------------------------------------------------------------


@pytest.mark.parametrize("epsilon", [0.0, 0.05, 0.25])
def test_bounded_load_caps_every_shard(epsilon: float) -> None:
    ring = ConsistentHashRing(load_factor_epsilon=epsilon)
    for i in range(8):
        ring.add_shard(f"shard-{i}")
    # The worst case for plain hashing: every key's home is the same shard.
    keys = [k for k in (f"video:{i}" for i in range(200_000)) if ring.get_shard(k)[0] == "shard-0"][:10_000]
    placed = ring.assign(keys)
    bound = -(-(1 + epsilon) * len(keys) // 8)  # ceil((1 + eps) * average)
    assert max(Counter(placed).values()) <= bound
    assert Counter(placed)["shard-0"] == ring.capacities(len(keys))["shard-0"]


def test_bounded_load_respects_weights_and_keeps_keys_home_when_it_can() -> None:
    ring = ConsistentHashRing(load_factor_epsilon=0.1)
    for name, weight in (("big", 3.0), ("small", 1.0)):
        ring.add_shard(name, {"weight": weight})
    keys = [f"video:{i}" for i in range(40_000)]
    placed = Counter(ring.assign(keys))
    assert placed["big"] <= -(-1.1 * 40_000 * 3 // 4) and placed["small"] <= -(-1.1 * 40_000 // 4)
    assert ring.assign(keys) == ring.get_shards(keys), "no shard is near its cap, so nothing moves"


def test_bounded_load_needs_epsilon_and_shards() -> None:
    with pytest.raises(ShardingError, match="load_factor_epsilon"):
        seed_ring().assign(["video:1"])
    with pytest.raises(EmptyRingError):
        ConsistentHashRing(load_factor_epsilon=0.2).assign(["video:1"])


# -- errors and validation -------------------------------------------------------------------------


def test_membership_errors_are_value_errors() -> None:
    ring = seed_ring()
    with pytest.raises(DuplicateShardError, match="already exists"):
        ring.add_shard("video_shard_1")
    with pytest.raises(UnknownShardError, match="not found"):
        ring.remove_shard("nope")
    with pytest.raises(UnknownShardError):
        ring.plan_remove("nope", [])
    with pytest.raises(DuplicateShardError):
        ring.plan_add("video_shard_1", None, [])
    with pytest.raises(EmptyRingError, match="No shards"):
        ConsistentHashRing().get_shard("video:1")
    with pytest.raises(EmptyRingError):
        ConsistentHashRing().get_shards(["video:1"])
    assert issubclass(ShardingError, ValueError)


@pytest.mark.parametrize("weight", [0, -1, 0.0, float("nan"), float("inf"), "2", True, None])
def test_bad_weights_are_refused(weight: object) -> None:
    ring = ConsistentHashRing()
    with pytest.raises(InvalidShardError, match="weight"):
        ring.add_shard("s", {"weight": weight})
    assert len(ring) == 0


@pytest.mark.parametrize(
    "kwargs", [{"replicas": 0}, {"replicas": True}, {"slot_bits": 4}, {"load_factor_epsilon": -0.1}]
)
def test_bad_ring_parameters_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ConsistentHashRing(**kwargs)  # type: ignore[arg-type]


def test_a_full_table_refuses_another_shard_and_stays_intact() -> None:
    ring = ConsistentHashRing(slot_bits=8)
    for i in range(256):
        ring.add_shard(f"s{i}")
    fingerprint = ring.fingerprint()
    with pytest.raises(ValueError, match="cannot hold more than 256"):
        ring.add_shard("one-too-many")
    assert len(ring) == 256 and "one-too-many" not in ring and ring.fingerprint() == fingerprint


def test_shard_configs_need_an_id() -> None:
    with pytest.raises(ValueError, match="must include 'id'"):
        VideoShardingStrategy([{"weight": 1.0}])
    with pytest.raises(ValueError, match="non-empty string"):
        ConsistentHashRing().add_shard("")


def test_metadata_is_a_read_only_copy() -> None:
    config = {"id": "s", "weight": 1.0}
    ring = ConsistentHashRing()
    ring.add_shard("s", config)
    config["weight"] = 5.0
    _, metadata = ring.get_shard("video:1")
    assert isinstance(metadata, MappingProxyType) and metadata["weight"] == 1.0
    assert ring.remove_shard("s") == {"id": "s", "weight": 1.0}
