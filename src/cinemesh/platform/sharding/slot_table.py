"""The slot table: which shard owns each of the `2**bits` hash slots.

A key's slot is the top `bits` bits of its CRC-32, so lookups are one C hash call and one list
index. All the placement logic lives here, in how slots change hands:

* every shard owns within one slot of its exact weight share (see `apportion`);
* adding a shard moves slots only *onto* it, removing one moves only *its* slots, so no key
  ever moves between two shards that were not added or removed;
* everything is a pure function of the sequence of adds and removes, with no randomness and no
  use of Python's per-process salted `hash()`: every process replaying the same history builds
  the same table. It is a function of the history, not of the current set of shards (no table
  can be exact, minimally moving *and* history-free), so `export`/`restore` let a process load
  the live table instead of replaying.

Each shard keeps its slots in the order it acquired them. Shards give slots away from the end
of that list and the very first owner takes them in a fixed pseudo-random order, so every
shard's slots stay scattered over the hash space; the bounded-load probe relies on that.
"""

from __future__ import annotations

import functools
import hashlib
import sys
from array import array

from cinemesh.platform.sharding.apportion import apportion
from cinemesh.platform.sharding.errors import ShardingError

MIN_BITS, MAX_BITS = 8, 20
# The array typecode of a 4-byte unsigned int (C's sizes vary by platform; the digest must not).
_UINT32 = next(code for code in "IL" if array(code).itemsize == 4)

# One change of ownership: (new owner, the slots it receives).
Transfer = tuple[str, list[int]]


@functools.cache
def scattered_slot_order(bits: int) -> tuple[int, ...]:
    """A fixed pseudo-random permutation of the slots, the same in every process."""
    return tuple(
        sorted(
            range(1 << bits),
            key=lambda slot: hashlib.blake2b(slot.to_bytes(4, "big"), digest_size=8).digest(),
        )
    )


class SlotTable:
    """Each shard's weight and its slots in acquisition order: the state behind the lookup lists.

    `add` and `remove` return the `Transfer`s they made, so the ring updates only those slots.
    """

    def __init__(self, bits: int) -> None:
        if not MIN_BITS <= bits <= MAX_BITS:
            raise ValueError(f"slot bits must be in {MIN_BITS}..{MAX_BITS}, got {bits}")
        self.bits = bits
        self.size = 1 << bits
        # Insertion order is part of the deterministic history: dicts keep it.
        self._weights: dict[str, float] = {}
        self._slots_of: dict[str, list[int]] = {}

    def copy(self) -> SlotTable:
        clone = SlotTable(self.bits)
        clone._weights = dict(self._weights)
        clone._slots_of = {shard: list(slots) for shard, slots in self._slots_of.items()}
        return clone

    def __contains__(self, shard: object) -> bool:
        return shard in self._weights

    def __len__(self) -> int:
        return len(self._weights)

    def slot_counts(self) -> dict[str, int]:
        return {shard: len(slots) for shard, slots in self._slots_of.items()}

    def weights(self) -> dict[str, float]:
        return dict(self._weights)

    def add(self, shard: str, weight: float) -> list[Transfer]:
        """Give `shard` its share, taken from the others' surpluses; returns the slots it took."""
        if len(self._weights) >= self.size:
            raise ShardingError(f"A table of {self.size} slots cannot hold more than {self.size} shards")
        if not self._weights:
            self._weights[shard] = weight
            self._slots_of[shard] = list(scattered_slot_order(self.bits))
            return [(shard, list(self._slots_of[shard]))]
        current = [len(slots) for slots in self._slots_of.values()]
        targets = apportion(
            self.size,
            [*self._weights.values(), weight],
            lower=[1] * (len(current) + 1),
            upper=[*current, self.size],  # the others may only lose slots
        )
        taken: list[int] = []
        for slots, target in zip(self._slots_of.values(), targets[:-1], strict=True):
            surplus = len(slots) - target
            if surplus:
                taken.extend(slots[-surplus:])
                del slots[-surplus:]
        self._weights[shard] = weight
        self._slots_of[shard] = taken
        return [(shard, list(taken))]

    def remove(self, shard: str) -> list[Transfer]:
        """Deal `shard`'s slots to the others' deficits; returns who received which slots."""
        del self._weights[shard]
        freed = self._slots_of.pop(shard)
        if not self._weights:
            return []
        current = [len(slots) for slots in self._slots_of.values()]
        targets = apportion(
            self.size,
            list(self._weights.values()),
            lower=current,  # the others may only gain slots
            upper=[self.size] * len(current),
        )
        transfers: list[Transfer] = []
        start = 0
        for (receiver, slots), have, target in zip(self._slots_of.items(), current, targets, strict=True):
            if target > have:
                received = freed[start : start + target - have]
                start += len(received)
                slots.extend(received)
                transfers.append((receiver, received))
        return transfers

    def fingerprint(self) -> str:
        """A digest of everything that decides routing *and* future moves: each shard, its weight
        and its slots in acquisition order. Length-prefixed and little-endian, so it is the same
        on every machine and no two different tables can share an encoding."""
        digest = hashlib.blake2b(digest_size=16)
        for shard, weight, slots in self.export():
            name = shard.encode()
            packed = array(_UINT32, slots)
            if sys.byteorder == "big":
                packed.byteswap()
            digest.update(b"%d:%s:%s:%d:" % (len(name), name, weight.hex().encode(), len(slots)))
            digest.update(packed.tobytes())
        return digest.hexdigest()

    def export(self) -> list[tuple[str, float, list[int]]]:
        """`(shard, weight, slots in acquisition order)` for each shard, in insertion order."""
        return [(shard, self._weights[shard], list(slots)) for shard, slots in self._slots_of.items()]

    @classmethod
    def restore(cls, bits: int, shards: list[tuple[str, float, list[int]]]) -> SlotTable:
        """The table `export` described; refuses anything that is not a partition of the slots."""
        table = cls(bits)
        owned = bytearray(table.size)
        for shard, weight, slots in shards:
            if shard in table._weights:
                raise ValueError(f"shard {shard!r} appears twice")
            if not slots:
                raise ValueError(f"shard {shard!r} owns no slot")
            for slot in slots:
                if type(slot) is not int or not 0 <= slot < table.size or owned[slot]:
                    raise ValueError(f"slot {slot!r} of shard {shard!r} is out of range or owned twice")
                owned[slot] = 1
            table._weights[shard] = weight
            table._slots_of[shard] = list(slots)
        if shards and not all(owned):
            raise ValueError("some slots have no owner")
        return table
