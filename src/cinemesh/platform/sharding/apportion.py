"""Largest-remainder apportionment with per-shard bounds.

Splitting the table's slots between shards is the problem of apportioning seats between
parties: every shard must get within one slot of its exact share `slots * weight / total`.
The bounds are what keep movement minimal: when a shard is added the others may only lose
slots (`upper` = what they hold now), and when one is removed they may only gain (`lower`).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence


def apportion(total: int, weights: Sequence[float], lower: Sequence[int], upper: Sequence[int]) -> list[int]:
    """Split `total` seats in proportion to `weights`, seat counts clamped to `[lower, upper]`.

    Starts from the floor of every exact share, then hands the remaining seats one at a time to
    whoever is furthest below its share (or takes them from whoever is furthest above it), so the
    result is within one seat of the exact share wherever the bounds allow. Ties go to the
    earlier position, and `fsum` makes the total independent of order: the result is the same on
    every IEEE-754 machine.
    """
    if not sum(lower) <= total <= sum(upper):
        raise ValueError(f"cannot apportion {total} seats within bounds {sum(lower)}..{sum(upper)}")
    weight_sum = math.fsum(weights)
    ideal = [total * weight / weight_sum for weight in weights]
    counts = [min(max(math.floor(share), lo), hi) for share, lo, hi in zip(ideal, lower, upper, strict=True)]
    remaining = total - sum(counts)
    if remaining > 0:
        # Min-heap on (count - ideal): the most under-served shard first.
        heap = [(counts[i] - ideal[i], i) for i in range(len(counts)) if counts[i] < upper[i]]
        heapq.heapify(heap)
        for _ in range(remaining):
            _, i = heapq.heappop(heap)
            counts[i] += 1
            if counts[i] < upper[i]:
                heapq.heappush(heap, (counts[i] - ideal[i], i))
    elif remaining < 0:
        # Min-heap on (ideal - count): the most over-served shard first.
        heap = [(ideal[i] - counts[i], i) for i in range(len(counts)) if counts[i] > lower[i]]
        heapq.heapify(heap)
        for _ in range(-remaining):
            _, i = heapq.heappop(heap)
            counts[i] -= 1
            if counts[i] > lower[i]:
                heapq.heappush(heap, (ideal[i] - counts[i], i))
    return counts
