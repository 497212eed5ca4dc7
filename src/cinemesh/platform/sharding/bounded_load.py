"""Consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam, SODA 2018).

Plain consistent hashing balances *expected* load; a burst of keys can still pile onto one
shard. With bounded loads every shard gets a capacity of `ceil((1 + eps) * m * w / W)` for `m`
keys (`ceil((1 + eps) * average)` when weights are equal) and a key whose shard is full walks
forward through the slot table to the next shard with room. The bound therefore holds by
construction; `eps` trades balance (small) against consistency with `get_shard` (large): the
smaller it is, the more keys land away from their home shard.

Placement depends on the order of the keys, as in the paper: assign the same keys in the same
order and you get the same result in every process.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from fractions import Fraction
from zlib import crc32


def capacities(weights: Mapping[str, float], key_count: int, epsilon: float) -> dict[str, int]:
    """Each shard's capacity, in exact rational arithmetic so no rounding can shave a key off."""
    total = sum(Fraction(weight) for weight in weights.values())
    scale = (1 + Fraction(epsilon)) * key_count / total
    return {shard: math.ceil(scale * Fraction(weight)) for shard, weight in weights.items()}


def assign_bounded(
    keys: Collection[str], owners: Sequence[str], shift: int, capacity: Mapping[str, int]
) -> list[str]:
    """Place `keys` in order, each on its home shard or, if that is full, the next one with room.

    Terminates because the capacities add up to at least `len(keys)` and every shard owns at
    least one slot, so the walk always reaches a shard with room.
    """
    mask = len(owners) - 1
    loads = dict.fromkeys(capacity, 0)
    placed: list[str] = []
    for key in keys:
        slot = crc32(key.encode()) >> shift
        shard = owners[slot]
        while loads[shard] >= capacity[shard]:
            slot = (slot + 1) & mask
            shard = owners[slot]
        loads[shard] += 1
        placed.append(shard)
    return placed
