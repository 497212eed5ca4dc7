"""Property tests: whatever the shards, weights and history, the placement guarantees hold."""

from __future__ import annotations

import math
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from cinemesh.platform.sharding import ConsistentHashRing

SLOT_BITS = 10  # a small table keeps each example fast; the guarantees do not depend on its size
SLOTS = 1 << SLOT_BITS
KEYS = [f"video:{i}" for i in range(3_000)]
PROPERTY_SETTINGS = settings(max_examples=60, deadline=None)

shard_names = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=12)
weights = st.one_of(st.integers(min_value=1, max_value=20), st.floats(min_value=0.001, max_value=20.0))
# A history: shards to add (with weights) and, after each, optionally one earlier shard to remove.
histories = st.lists(st.tuples(shard_names, weights, st.booleans()), min_size=1, max_size=25)


def replay(history: list[tuple[str, float, bool]], **kwargs: float) -> ConsistentHashRing:
    ring = ConsistentHashRing(slot_bits=SLOT_BITS, **kwargs)  # type: ignore[arg-type]
    for name, weight, remove_one in history:
        if name not in ring:
            ring.add_shard(name, {"weight": weight})
        if remove_one and len(ring) > 1:
            ring.remove_shard(ring.get_all_shards()[len(ring) // 2])
    return ring


def assert_weights_respected(ring: ConsistentHashRing) -> None:
    """Within one slot of the exact share. A shard whose exact share is under one slot still gets
    one, to stay reachable; the others absorb that shortfall, so it widens the bound."""
    counts, shares = ring.slot_counts(), ring.expected_shares()
    assert sum(counts.values()) == SLOTS
    shortfall = math.fsum(max(0.0, 1 - share * SLOTS) for share in shares.values())
    for shard, share in shares.items():
        assert counts[shard] >= 1
        assert abs(counts[shard] - share * SLOTS) < 1 + shortfall


@PROPERTY_SETTINGS
@given(histories)
def test_every_shard_owns_its_weight_share_to_within_one_slot(history: list[tuple[str, float, bool]]) -> None:
    assert_weights_respected(replay(history))


@PROPERTY_SETTINGS
@given(histories, shard_names, weights)
def test_adding_a_shard_moves_keys_only_onto_it(
    history: list[tuple[str, float, bool]], new: str, weight: float
) -> None:
    ring = replay(history)
    if new in ring:
        return
    before = ring.get_shards(KEYS)
    planned = list(ring.plan_add(new, {"weight": weight}, KEYS))
    ring.add_shard(new, {"weight": weight})
    after = ring.get_shards(KEYS)
    moved = [(key, b, a) for key, b, a in zip(KEYS, before, after, strict=True) if b != a]
    assert all(to == new for _, _, to in moved)
    assert planned == moved
    assert_weights_respected(ring)


@PROPERTY_SETTINGS
@given(histories, st.data())
def test_removing_a_shard_moves_only_its_keys(
    history: list[tuple[str, float, bool]], data: st.DataObject
) -> None:
    ring = replay(history)
    if len(ring) < 2:
        return
    gone = data.draw(st.sampled_from(ring.get_all_shards()))
    before = ring.get_shards(KEYS)
    planned = list(ring.plan_remove(gone, KEYS))
    ring.remove_shard(gone)
    after = ring.get_shards(KEYS)
    moved = [(key, b, a) for key, b, a in zip(KEYS, before, after, strict=True) if b != a]
    assert [key for key, b, _ in moved] == [key for key, b in zip(KEYS, before, strict=True) if b == gone]
    assert planned == moved
    assert_weights_respected(ring)


@PROPERTY_SETTINGS
@given(histories)
def test_the_same_history_builds_the_same_table(history: list[tuple[str, float, bool]]) -> None:
    assert replay(history).fingerprint() == replay(history).fingerprint()


@PROPERTY_SETTINGS
@given(
    histories,
    st.floats(min_value=0.0, max_value=2.0),
    st.integers(min_value=1, max_value=2_000),
    st.booleans(),
)
def test_bounded_load_never_exceeds_the_cap(
    history: list[tuple[str, float, bool]], epsilon: float, key_count: int, skewed: bool
) -> None:
    ring = replay(history, load_factor_epsilon=epsilon)
    keys = KEYS[:key_count]
    if skewed:  # every key homed on one shard: the case that makes the cap bind
        home = ring.get_shard(KEYS[0])[0]
        keys = [key for key in KEYS if ring.get_shard(key)[0] == home][:key_count]
    loads = Counter(ring.assign(keys))
    weights = {shard: float(ring.shard_metadata[shard]["weight"]) for shard in ring.get_all_shards()}
    total = math.fsum(weights.values())
    for shard, load in loads.items():
        # The stated bound, with float slack; `capacities` computes it exactly.
        assert load <= math.ceil((1 + epsilon) * len(keys) * weights[shard] / total + 1e-9)
        assert load <= ring.capacities(len(keys))[shard]
    assert sum(loads.values()) == len(keys)
