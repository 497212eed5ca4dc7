"""Behaviour of cinemesh.platform.sharding: placement, movement, determinism, bounded load, errors."""

from __future__ import annotations

import datetime as dt
import itertools
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
    Move,
    ShardingError,
    UnknownShardError,
    VideoShardingStrategy,
)

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


@pytest.fixture(scope="module")
def million_keys() -> list[str]:
    return [f"video:{i}" for i in range(1_000_000)]


def max_relative_deviation(ring: ConsistentHashRing, keys: list[str]) -> float:
    counts = ring.analyze_data_distribution(keys)
    shares = ring.expected_shares()
    return max(abs(counts[shard] / len(keys) - share) / share for shard, share in shares.items())


# -- placement ------------------------------------------------------------------------------------


def test_seed_configs_route_to_their_configs() -> None:
    strategy = VideoShardingStrategy([*SEED_CONFIGS, FOURTH])
    config = strategy.get_video_shard(42)
    assert config["id"] in {"video_shard_1", "video_shard_2", "video_shard_3", "video_shard_4"}
    assert config == next(c for c in (*SEED_CONFIGS, FOURTH) if c["id"] == config["id"])
    assert strategy.get_video_shard("42") == config
    assert strategy.get_user_view_history_shard(7)["id"] == strategy.hash_ring.get_shard("history:7")[0]


@pytest.mark.parametrize(
    "names",
    [
        ["video_shard_1", "video_shard_2", "video_shard_3", "video_shard_4"],
        ["a", "b", "c", "d"],
        ["db-eu-west-1a", "x", "shard:replica:0", "7"],
    ],
)
def test_key_shares_are_within_one_percent_of_weight_shares(
    names: list[str], million_keys: list[str]
) -> None:
    ring = ConsistentHashRing()
    for name, weight in zip(names[:3], (1.5, 1.0, 1.2), strict=True):
        ring.add_shard(name, {"weight": weight})
    assert max_relative_deviation(ring, million_keys) <= 0.01
    ring.add_shard(names[3], {"weight": 1.0})
    assert max_relative_deviation(ring, million_keys) <= 0.01


def test_slot_counts_are_within_one_slot_of_the_exact_share() -> None:
    ring = ConsistentHashRing()
    for i in range(100):
        ring.add_shard(f"shard-{i}", {"weight": 0.5 + (i % 7) * 0.25})
    for i in range(0, 100, 3):
        ring.remove_shard(f"shard-{i}")
    shares, counts = ring.expected_shares(), ring.slot_counts()
    assert sum(counts.values()) == 1 << 16
    assert all(abs(counts[shard] - share * (1 << 16)) < 1 for shard, share in shares.items())


def test_batch_lookup_agrees_with_single_lookup() -> None:
    ring = seed_ring()
    keys = [f"history:{i}" for i in range(5_000)]
    assert ring.get_shards(keys) == [ring.get_shard(key)[0] for key in keys]
    assert ring.get_shards(iter(keys)) == ring.get_shards(keys)


def test_distribution_lists_every_shard() -> None:
    ring = seed_ring()
    counts = ring.analyze_data_distribution(f"video:{i}" for i in range(100_000))
    assert set(counts) == set(ring.get_all_shards())
    assert sum(counts.values()) == 100_000
    assert ring.analyze_data_distribution([]) == dict.fromkeys(ring.get_all_shards(), 0)


def test_analytics_dates_are_normalised() -> None:
    strategy = VideoShardingStrategy(SEED_CONFIGS)
    assert strategy.get_analytics_shard("2024-01-05") == strategy.get_analytics_shard(dt.date(2024, 1, 5))
    assert strategy.get_analytics_shard("2024-01-05") == strategy.get_analytics_shard(
        dt.datetime(2024, 1, 5, 9)
    )
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        strategy.get_analytics_shard("5th of January")


# -- movement -------------------------------------------------------------------------------------


def test_adding_moves_the_ideal_fraction_and_only_onto_the_new_shard(million_keys: list[str]) -> None:
    ring = seed_ring(*SEED_CONFIGS)
    before = ring.get_shards(million_keys)
    ring.add_shard("video_shard_4", FOURTH)
    after = ring.get_shards(million_keys)
    moved = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    assert all(a == "video_shard_4" for _, a in moved)
    assert abs(len(moved) / len(million_keys) / (1.0 / 4.7) - 1) <= 0.01


def test_removing_moves_the_ideal_fraction_and_only_the_removed_shards_keys(million_keys: list[str]) -> None:
    ring = seed_ring()
    before = ring.get_shards(million_keys)
    ring.remove_shard("video_shard_1")
    after = ring.get_shards(million_keys)
    moved = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    assert all(b == "video_shard_1" for b, _ in moved)
    assert len(moved) == before.count("video_shard_1")
    assert abs(len(moved) / len(million_keys) / (1.5 / 4.7) - 1) <= 0.01


def test_plans_match_what_the_change_then_does() -> None:
    ring = seed_ring(*SEED_CONFIGS)
    keys = [f"video:{i}" for i in range(20_000)]
    fingerprint = ring.fingerprint()
    added = list(ring.plan_add("video_shard_4", FOURTH, keys))
    assert ring.fingerprint() == fingerprint, "planning must not change the ring"
    before = ring.get_shards(keys)
    ring.add_shard("video_shard_4", FOURTH)
    after = ring.get_shards(keys)
    assert added == [Move(k, b, a) for k, b, a in zip(keys, before, after, strict=True) if b != a]

    removed = list(ring.plan_remove("video_shard_2", keys))
    ring.remove_shard("video_shard_2")
    final = ring.get_shards(keys)
    assert removed == [Move(k, a, f) for k, a, f in zip(keys, after, final, strict=True) if a != f]


def test_plans_stream_without_holding_the_keys() -> None:
    ring = seed_ring()
    endless = (f"video:{i}" for i in itertools.count())
    moves = list(itertools.islice(ring.plan_remove("video_shard_3", endless), 1_000))
    assert len(moves) == 1_000
    assert all(move.from_shard == "video_shard_3" for move in moves)


def test_plan_is_a_snapshot_of_the_ring_when_it_was_made() -> None:
    ring = seed_ring(*SEED_CONFIGS)
    keys = [f"video:{i}" for i in range(5_000)]
    plan = ring.plan_add("video_shard_4", FOURTH, keys)
    ring.add_shard("other", {"weight": 3.0})  # changes the ring before the plan is consumed
    assert all(move.to_shard == "video_shard_4" for move in plan)


def test_plan_data_migration_keeps_the_seed_signature() -> None:
    strategy = VideoShardingStrategy(SEED_CONFIGS)
    keys = [f"video:{i}" for i in range(10_000)]
    homes = strategy.hash_ring.get_shards(keys)
    on_shard_1 = [k for k, home in zip(keys, homes, strict=True) if home == "video_shard_1"]
    moves = strategy.plan_data_migration("video_shard_1", FOURTH, keys)
    assert "video_shard_4" in strategy.hash_ring, "the shard is added at call time, as in the seed"
    moves_list = list(moves)
    assert moves_list
    assert all(m.from_shard == "video_shard_1" and m.to_shard == "video_shard_4" for m in moves_list)
    assert {m.key for m in moves_list} == {
        k for k in on_shard_1 if strategy.hash_ring.get_shard(k)[0] == "video_shard_4"
    }
    assert list(strategy.plan_data_migration("video_shard_2", {"id": "video_shard_5"})) == []


def test_first_shard_and_last_shard() -> None:
    ring = ConsistentHashRing()
    assert list(ring.plan_add("only", None, ["video:1"])) == []
    ring.add_shard("only")
    assert ring.get_shard("video:1") == ("only", {})
    with pytest.raises(ShardingError, match="last shard"):
        ring.plan_remove("only", ["video:1"])
    assert ring.remove_shard("only") == {}
    with pytest.raises(EmptyRingError):
        ring.get_shard("video:1")
    ring.add_shard("again", {"weight": 2})
    assert ring.get_shards(["video:1", "video:2"]) == ["again", "again"]


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
