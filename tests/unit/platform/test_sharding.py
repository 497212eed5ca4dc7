"""Behaviour of cinemesh.platform.sharding: placement and movement."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from cinemesh.platform.sharding import (
    ConsistentHashRing,
    EmptyRingError,
    Move,
    ShardingError,
    VideoShardingStrategy,
)
from tests.unit.platform._sharding_seed import FOURTH, SEED_CONFIGS, seed_ring


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
