"""Migration plans: which keys move, from where, to where.

A plan is computed from the slots that change hands, so it costs one hash and one dict probe per
key and never holds the keys: feed it a table scan of any size and consume the moves as they come.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import NamedTuple
from zlib import crc32


class Move(NamedTuple):
    key: str
    from_shard: str
    to_shard: str


# slot -> (from_shard, to_shard) for every slot that changes owner.
SlotMoves = dict[int, tuple[str, str]]


def stream_moves(keys: Iterable[str], slot_moves: SlotMoves, shift: int) -> Iterator[Move]:
    """Yield a `Move` for each key whose slot changes owner, lazily and in input order."""
    moved = slot_moves.get
    for key in keys:
        change = moved(crc32(key.encode()) >> shift)
        if change is not None:
            yield Move(key, *change)
