"""`ConsistentHashRing`: the seed's API, placed by an exact, minimally-moving slot table.

The name is kept for compatibility; there are no virtual nodes on a circle any more. A key
hashes (CRC-32, top `slot_bits` bits) to one of `2**slot_bits` slots and the slot table says
which shard owns that slot. See docs/sharding.md for why, and for the guarantees.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping
from itertools import islice
from types import MappingProxyType
from typing import Any
from zlib import crc32

from cinemesh.platform.sharding.bounded_load import assign_bounded, capacities
from cinemesh.platform.sharding.errors import (
    DuplicateShardError,
    EmptyRingError,
    InvalidShardError,
    ShardingError,
    UnknownShardError,
)
from cinemesh.platform.sharding.migration import Move, SlotMoves, stream_moves
from cinemesh.platform.sharding.slot_table import SlotTable, Transfer

ShardMetadata = Mapping[str, Any]
DEFAULT_SLOT_BITS = 16
SNAPSHOT_FORMAT = 1
_CHUNK = 65_536  # keys counted per batch by analyze_data_distribution, to bound its memory


def shard_weight(metadata: ShardMetadata) -> float:
    """The shard's `weight` (default 1.0): a finite number above zero, else `InvalidShardError`."""
    weight = metadata.get("weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, int | float):
        raise InvalidShardError(f"Shard weight must be a number, got {weight!r}")
    if not (math.isfinite(weight) and weight > 0):
        raise InvalidShardError(f"Shard weight must be finite and greater than 0, got {weight!r}")
    return float(weight)


class ConsistentHashRing:
    """Maps keys to weighted shards; adding or removing a shard moves only that shard's share.

    `replicas` is accepted for compatibility with the seed and validated, but placement does not
    use it: the seed's virtual nodes existed to approximate weight shares, which the slot table
    hits exactly (within one slot in `2**slot_bits`). `load_factor_epsilon` enables `assign`,
    the bounded-load placement.
    """

    def __init__(
        self,
        replicas: int = 100,
        *,
        slot_bits: int = DEFAULT_SLOT_BITS,
        load_factor_epsilon: float | None = None,
    ) -> None:
        if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 1:
            raise ValueError(f"replicas must be a positive integer, got {replicas!r}")
        if load_factor_epsilon is not None and (
            isinstance(load_factor_epsilon, bool)
            or not isinstance(load_factor_epsilon, int | float)
            or not 0 <= load_factor_epsilon < math.inf
        ):
            raise ValueError(f"load_factor_epsilon must be a finite number >= 0, got {load_factor_epsilon!r}")
        self.replicas = replicas
        self.load_factor_epsilon = load_factor_epsilon
        self._table = SlotTable(slot_bits)
        self._shift = 32 - slot_bits
        self._metadata: dict[str, ShardMetadata] = {}
        # Two views of the same slot -> shard map, so each lookup is a single list index.
        self._owners: list[str] = []
        self._entries: list[tuple[str, ShardMetadata]] = []

    # -- lookups: the hot path, kept to one hash and one index --------------------------------

    def get_shard(self, key: str) -> tuple[str, ShardMetadata]:
        """`(shard_id, metadata)` of the shard that owns `key`."""
        try:
            return self._entries[crc32(key.encode()) >> self._shift]
        except IndexError:
            raise EmptyRingError() from None

    def get_shards(self, keys: Iterable[str]) -> list[str]:
        """The shard id of each key, in order; faster per key than `get_shard`."""
        owners, shift = self._owners, self._shift
        if not owners:
            raise EmptyRingError()
        return [owners[crc32(key.encode()) >> shift] for key in keys]

    def assign(self, keys: Collection[str]) -> list[str]:
        """Bounded-load placement of `keys`, in order: no shard gets more than
        `ceil((1 + eps) * len(keys) * weight / total_weight)` of them."""
        if self.load_factor_epsilon is None:
            raise ShardingError("assign() needs a ring built with load_factor_epsilon")
        if not self._owners:
            raise EmptyRingError()
        capacity = capacities(self._table.weights(), len(keys), self.load_factor_epsilon)
        return assign_bounded(keys, self._owners, self._shift, capacity)

    def capacities(self, key_count: int) -> dict[str, int]:
        """The per-shard bound `assign` enforces for `key_count` keys."""
        if self.load_factor_epsilon is None:
            raise ShardingError("capacities() needs a ring built with load_factor_epsilon")
        return capacities(self._table.weights(), key_count, self.load_factor_epsilon)

    # -- membership ---------------------------------------------------------------------------

    def add_shard(self, shard_id: str, metadata: ShardMetadata | None = None) -> None:
        metadata, weight = self._check_new_shard(shard_id, metadata)
        transfers = self._table.add(shard_id, weight)  # raises before changing anything
        self._metadata[shard_id] = metadata
        self._apply(transfers)

    def remove_shard(self, shard_id: str) -> dict[str, Any]:
        """Remove the shard and return (a copy of) its metadata."""
        if shard_id not in self._table:
            raise UnknownShardError(shard_id)
        metadata = self._metadata.pop(shard_id)
        self._apply(self._table.remove(shard_id))
        return dict(metadata)

    def get_all_shards(self) -> list[str]:
        return list(self._metadata)

    @property
    def shard_metadata(self) -> Mapping[str, ShardMetadata]:
        return MappingProxyType(self._metadata)

    def __len__(self) -> int:
        return len(self._metadata)

    def __contains__(self, shard_id: object) -> bool:
        return shard_id in self._metadata

    # -- planning: what a change would move, without making it --------------------------------

    def plan_add(self, shard_id: str, metadata: ShardMetadata | None, keys: Iterable[str]) -> Iterator[Move]:
        """The moves adding this shard would cause among `keys`, streamed; the ring is unchanged.

        Every move goes *to* the new shard. Adding the first shard moves nothing: there is nowhere
        for data to come from.
        """
        _, weight = self._check_new_shard(shard_id, metadata)
        transfers = self._table.copy().add(shard_id, weight)
        return self._plan(transfers, keys)

    def plan_remove(self, shard_id: str, keys: Iterable[str]) -> Iterator[Move]:
        """The moves removing this shard would cause among `keys`, streamed; the ring is unchanged.

        Every move comes *from* the removed shard.
        """
        if shard_id not in self._table:
            raise UnknownShardError(shard_id)
        if len(self._table) == 1:
            raise ShardingError(f"Cannot plan the removal of {shard_id!r}: it is the last shard")
        transfers = self._table.copy().remove(shard_id)
        return self._plan(transfers, keys)

    # -- observability ------------------------------------------------------------------------

    def analyze_data_distribution(self, sample_keys: Iterable[str]) -> dict[str, int]:
        """How many of `sample_keys` each shard owns (every shard listed, even at zero)."""
        counts: Counter[str] = Counter(dict.fromkeys(self._metadata, 0))
        iterator = iter(sample_keys)
        while chunk := list(islice(iterator, _CHUNK)):
            counts.update(self.get_shards(chunk))
        return dict(counts)

    def expected_shares(self) -> dict[str, float]:
        """Each shard's weight-proportional share of keys, the target of the placement."""
        weights = self._table.weights()
        total = math.fsum(weights.values())
        return {shard: weight / total for shard, weight in weights.items()}

    def slot_counts(self) -> dict[str, int]:
        return self._table.slot_counts()

    def fingerprint(self) -> str:
        """A digest of the slot table. Two rings with the same fingerprint route every key alike
        today and will move the same keys on the same future changes."""
        return self._table.fingerprint()

    # -- persistence: the table depends on history, so the live one must be loadable -------------

    def snapshot(self) -> dict[str, Any]:
        """The whole ring as plain data (JSON-serialisable if the metadata is)."""
        return {
            "format": SNAPSHOT_FORMAT,
            "replicas": self.replicas,
            "slot_bits": self._table.bits,
            "load_factor_epsilon": self.load_factor_epsilon,
            "shards": [
                {"id": shard, "metadata": dict(self._metadata[shard]), "slots": slots}
                for shard, _, slots in self._table.export()
            ],
        }

    @classmethod
    def from_snapshot(cls, snapshot: Mapping[str, Any]) -> ConsistentHashRing:
        """The ring `snapshot()` described: same routing, same future moves."""
        if snapshot.get("format") != SNAPSHOT_FORMAT:
            raise ShardingError(f"Unsupported ring snapshot format {snapshot.get('format')!r}")
        try:
            ring = cls(
                snapshot["replicas"],
                slot_bits=snapshot["slot_bits"],
                load_factor_epsilon=snapshot["load_factor_epsilon"],
            )
            shards = []
            for shard in snapshot["shards"]:
                if shard["id"] in ring._metadata:
                    raise DuplicateShardError(shard["id"])
                metadata, weight = ring._check_new_shard(shard["id"], shard["metadata"])
                ring._metadata[shard["id"]] = metadata
                shards.append((shard["id"], weight, list(shard["slots"])))
            ring._table = SlotTable.restore(ring._table.bits, shards)
        except (KeyError, TypeError, ValueError) as error:
            raise ShardingError(f"Invalid ring snapshot: {error}") from error
        ring._apply([(shard, slots) for shard, _, slots in shards], rebuild=True)
        return ring

    # -- internals ----------------------------------------------------------------------------

    def _check_new_shard(self, shard_id: str, metadata: ShardMetadata | None) -> tuple[ShardMetadata, float]:
        if not isinstance(shard_id, str) or not shard_id:
            raise InvalidShardError(f"Shard id must be a non-empty string, got {shard_id!r}")
        if shard_id in self._table:
            raise DuplicateShardError(shard_id)
        # A read-only copy: the weight decided the placement, so it must not change under us.
        frozen = MappingProxyType(dict(metadata or {}))
        return frozen, shard_weight(frozen)

    def _apply(self, transfers: list[Transfer], *, rebuild: bool = False) -> None:
        """Mirror the table's transfers in the lookup lists, touching only the slots that moved."""
        if not self._table:
            self._owners, self._entries = [], []
            return
        if rebuild or not self._owners:  # every slot is in `transfers`: size the lists first
            shard = transfers[0][0]
            self._owners = [shard] * self._table.size
            self._entries = [(shard, self._metadata[shard])] * self._table.size
        owners, entries = self._owners, self._entries
        for shard, slots in transfers:
            entry = (shard, self._metadata[shard])
            for slot in slots:
                owners[slot] = shard
                entries[slot] = entry

    def _plan(self, transfers: list[Transfer], keys: Iterable[str]) -> Iterator[Move]:
        if not self._owners:
            return iter(())
        owners = self._owners
        slot_moves: SlotMoves = {
            slot: (owners[slot], receiver) for receiver, slots in transfers for slot in slots
        }
        return stream_moves(keys, slot_moves, self._shift)
