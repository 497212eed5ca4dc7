"""Sharding benchmark: the seed's vnode ring against `cinemesh.platform.sharding`, same run.

    .venv/bin/python -m bench.sharding

Writes its table into docs/benchmarks.md (section `sharding`).
"""

from __future__ import annotations

import functools
import gc
import hashlib
import random
import statistics
import string
import time
from bisect import bisect_left, insort
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from bench._report import write_section
from cinemesh.platform.sharding import ConsistentHashRing

KEY_COUNT = 1_000_000
SEED_WEIGHTS = {"video_shard_1": 1.5, "video_shard_2": 1.0, "video_shard_3": 1.2}
ADDED = ("video_shard_4", 1.0)
RANDOM_NAME_SETS = 5


class SeedConsistentHashRing:
    """The design document's ring, reproduced as written (the baseline)."""

    def __init__(self, replicas: int = 100) -> None:
        self.replicas = replicas
        self.ring: dict[int, str] = {}
        self.sorted_keys: list[int] = []
        self.shard_metadata: dict[str, dict[str, Any]] = {}

    def _hash(self, key: str) -> int:
        return int(hashlib.sha256(key.encode("utf-8")).hexdigest(), 16)

    def add_shard(self, shard_id: str, metadata: dict[str, Any] | None = None) -> None:
        if shard_id in self.shard_metadata:
            raise ValueError(f"Shard {shard_id} already exists in the ring")
        self.shard_metadata[shard_id] = metadata or {}
        weight = metadata.get("weight", 1.0) if metadata else 1.0
        num_replicas = max(1, int(self.replicas * weight))
        for i in range(num_replicas):
            h = self._hash(f"{shard_id}:replica:{i}")
            self.ring[h] = shard_id
            insort(self.sorted_keys, h)

    def remove_shard(self, shard_id: str) -> dict[str, Any]:
        if shard_id not in self.shard_metadata:
            raise ValueError(f"Shard {shard_id} not found in the ring")
        metadata = self.shard_metadata.pop(shard_id)
        keys_to_remove = [h for h, sid in self.ring.items() if sid == shard_id]
        for k in keys_to_remove:
            del self.ring[k]
            self.sorted_keys.remove(k)
        return metadata

    def get_shard(self, key: str) -> tuple[str, dict[str, Any]]:
        if not self.ring:
            raise ValueError("No shards available in the hash ring")
        h = self._hash(key)
        idx = bisect_left(self.sorted_keys, h)
        if idx == len(self.sorted_keys):
            idx = 0
        sid = self.ring[self.sorted_keys[idx]]
        return sid, self.shard_metadata.get(sid, {})

    def get_all_shards(self) -> list[str]:
        return list(self.shard_metadata.keys())

    def analyze_data_distribution(self, sample_keys: Iterable[str]) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for key in sample_keys:
            counts[self.get_shard(key)[0]] += 1
        return counts


Ring = SeedConsistentHashRing | ConsistentHashRing


def build(kind: type[Ring], weights: dict[str, float], replicas: int = 150) -> Ring:
    ring = kind(replicas=replicas)
    for shard, weight in weights.items():
        ring.add_shard(shard, {"weight": weight})
    return ring


def owners(ring: Ring, keys: list[str]) -> list[str]:
    if isinstance(ring, ConsistentHashRing):
        return ring.get_shards(keys)
    return [ring.get_shard(key)[0] for key in keys]


def timed(action: Callable[[], object], repeat: int) -> float:
    """Best wall time of `repeat` runs, garbage collector off (as `timeit` does)."""
    best = float("inf")
    for _ in range(repeat):
        gc.disable()
        try:
            start = time.perf_counter()
            action()
            best = min(best, time.perf_counter() - start)
        finally:
            gc.enable()
    return best


def single_lookups_per_second(ring: Ring, keys: list[str], repeat: int) -> float:
    def run() -> None:
        get_shard = ring.get_shard
        for key in keys:
            get_shard(key)

    return len(keys) / timed(run, repeat)


def max_deviation(ring: Ring, weights: dict[str, float], keys: list[str]) -> float:
    """Largest |actual share - weight share| / weight share over the shards."""
    counts: dict[str, int] = defaultdict(int)
    for shard in owners(ring, keys):
        counts[shard] += 1
    total = sum(weights.values())
    return max(abs(counts[s] / len(keys) - w / total) / (w / total) for s, w in weights.items())


def worst_deviation(kind: type[Ring], name_sets: list[list[str]], keys: list[str]) -> float:
    """Worst deviation over the name sets: three shards weighted 1.5/1.0/1.2, then a fourth of 1.0."""
    worst = 0.0
    for names in name_sets:
        weights = dict(zip(names, SEED_WEIGHTS.values(), strict=False))
        ring = build(kind, weights)
        worst = max(worst, max_deviation(ring, weights, keys))
        ring.add_shard(names[3], {"weight": ADDED[1]})
        weights[names[3]] = ADDED[1]
        worst = max(worst, max_deviation(ring, weights, keys))
    return worst


def movement(kind: type[Ring], keys: list[str]) -> tuple[float, float, int]:
    """(moved/ideal on add, moved/ideal on remove, keys moved between uninvolved shards)."""
    ring = build(kind, SEED_WEIGHTS)
    before = owners(ring, keys)
    ring.add_shard(ADDED[0], {"weight": ADDED[1]})
    after = owners(ring, keys)
    moved_add = sum(b != a for b, a in zip(before, after, strict=True))
    stray = sum(b != a and a != ADDED[0] for b, a in zip(before, after, strict=True))
    ideal_add = ADDED[1] / (sum(SEED_WEIGHTS.values()) + ADDED[1])
    removed = "video_shard_1"
    ring.remove_shard(removed)
    final = owners(ring, keys)
    moved_remove = sum(a != f for a, f in zip(after, final, strict=True))
    stray += sum(a != f and a != removed for a, f in zip(after, final, strict=True))
    ideal_remove = SEED_WEIGHTS[removed] / (sum(SEED_WEIGHTS.values()) + ADDED[1])
    n = len(keys)
    return moved_add / n / ideal_add, moved_remove / n / ideal_remove, stray


def remove_ms(kind: type[Ring], shards: int = 100, replicas: int = 150, samples: int = 15) -> float:
    """Median time to remove one shard from a ring of `shards` shards (re-added between samples)."""
    ring = build(kind, {f"shard-{i:03d}": 1.0 for i in range(shards)}, replicas)
    times = []
    for i in range(samples):
        shard = f"shard-{(i * 37) % shards:03d}"
        times.append(timed(functools.partial(ring.remove_shard, shard), 1))
        ring.add_shard(shard, {"weight": 1.0})
    return statistics.median(times) * 1e3


def bounded_load(keys: list[str], epsilon: float, skewed: bool, shards: int = 10) -> tuple[int, int, float]:
    """(max load, largest cap, fraction of keys off their home shard) for `assign`.

    `skewed` keeps only the keys homed on one shard: the case where plain hashing fails and the cap binds.
    """
    ring = ConsistentHashRing(load_factor_epsilon=epsilon)
    for i in range(shards):
        ring.add_shard(f"shard-{i}")
    if skewed:
        keys = [key for key, home in zip(keys, ring.get_shards(keys), strict=True) if home == "shard-0"]
    placed = ring.assign(keys)
    loads: dict[str, int] = defaultdict(int)
    for shard in placed:
        loads[shard] += 1
    displaced = sum(p != h for p, h in zip(placed, ring.get_shards(keys), strict=True)) / len(keys)
    return max(loads.values()), max(ring.capacities(len(keys)).values()), displaced


def random_name_sets(count: int) -> list[list[str]]:
    rng = random.Random(8)
    alphabet = string.ascii_lowercase + string.digits
    return [["".join(rng.choices(alphabet, k=rng.randint(3, 12))) for _ in range(4)] for _ in range(count)]


def main() -> None:
    keys = [f"video:{i}" for i in range(KEY_COUNT)]
    seed_ring, our_ring = build(SeedConsistentHashRing, SEED_WEIGHTS), build(ConsistentHashRing, SEED_WEIGHTS)
    seed_single = single_lookups_per_second(seed_ring, keys, repeat=2)
    our_single = single_lookups_per_second(our_ring, keys, repeat=3)
    assert isinstance(our_ring, ConsistentHashRing)
    our_batch = KEY_COUNT / timed(lambda: our_ring.get_shards(keys), 3)
    seed_names = [[*SEED_WEIGHTS, ADDED[0]]]
    name_sets = [*seed_names, *random_name_sets(RANDOM_NAME_SETS)]
    seed_dev = worst_deviation(SeedConsistentHashRing, seed_names, keys)
    our_dev = worst_deviation(ConsistentHashRing, seed_names, keys)
    seed_dev_any = worst_deviation(SeedConsistentHashRing, name_sets, keys)
    our_dev_any = worst_deviation(ConsistentHashRing, name_sets, keys)
    seed_remove, our_remove = remove_ms(SeedConsistentHashRing), remove_ms(ConsistentHashRing)
    seed_add_move, seed_remove_move, seed_stray = movement(SeedConsistentHashRing, keys)
    our_add_move, our_remove_move, our_stray = movement(ConsistentHashRing, keys)
    bounded = {
        (eps, skewed): bounded_load(keys[:200_000], eps, skewed)
        for eps in (0.25, 0.001)
        for skewed in (False, True)
    }

    rows = [
        ("single-key lookups/s (1M `video:{i}`)", f"{seed_single:,.0f}", f"{our_single:,.0f}",
         f"{our_single / seed_single:.2f}x", ">= 3x"),
        ("batch lookups/s (`get_shards`)", f"{seed_single:,.0f} (no batch API)", f"{our_batch:,.0f}",
         f"{our_batch / seed_single:.2f}x", "> single"),
        ("max deviation from weight share, seed names", f"{seed_dev:.2%}", f"{our_dev:.2%}",
         f"{our_dev / seed_dev:.2f}", "<= 1%"),
        (f"max deviation, seed + {RANDOM_NAME_SETS} random name sets", f"{seed_dev_any:.2%}",
         f"{our_dev_any:.2%}", f"{our_dev_any / seed_dev_any:.2f}", "<= 1%"),
        ("remove_shard, 100 shards x 150 replicas (median)", f"{seed_remove:.2f} ms", f"{our_remove:.3f} ms",
         f"{our_remove / seed_remove:.3f}", "<= 1 ms"),
        ("keys moved on add / ideal", f"{seed_add_move:.4f}", f"{our_add_move:.4f}", "", "1 +- 1%"),
        ("keys moved on remove / ideal", f"{seed_remove_move:.4f}", f"{our_remove_move:.4f}", "", "1 +- 1%"),
        ("keys moved between uninvolved shards", f"{seed_stray}", f"{our_stray}", "", "0"),
        *(
            (f"bounded load, eps {eps}, 10 shards, {'all keys homed on one shard' if skewed else 'uniform'}"
             ": max load / cap", "n/a", f"{max_load:,} / {cap:,} ({displaced:.2%} off home)", "", "<= cap")
            for (eps, skewed), (max_load, cap, displaced) in bounded.items()
        ),
    ]  # fmt: skip
    header = "| measure | seed ring | ours | ours / seed | target |\n|---|---|---|---|---|\n"
    markdown = "### Sharding (`cinemesh.platform.sharding` vs the design document's ring)\n\n" + header
    markdown += "\n".join("| " + " | ".join(row) + " |" for row in rows) + "\n"
    print(markdown)
    write_section("sharding", markdown)


if __name__ == "__main__":
    main()
