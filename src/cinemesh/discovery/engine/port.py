"""The search engine port: what the service asks of an index, whatever holds it.

The embedded adapter is `MemoryIndex` (engine/memory.py): an index of our own, measured
against tantivy and SQLite FTS5 in docs/discovery.md. Calls run on the event loop's thread,
so writes (consumed events) and reads (requests) never interleave.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from cinemesh.discovery.domain.documents import SearchDocument
from cinemesh.discovery.domain.search import SearchRequest, SearchResult


class SearchEngine(Protocol):
    def __len__(self) -> int: ...

    def upsert(self, documents: Iterable[SearchDocument]) -> int:
        """Indexes each snapshot unless a version as new is in; unpublished ones leave."""
        ...

    def version_of(self, title_id: str) -> int:
        """The newest version applied for the title (-1: none)."""
        ...

    def clear(self) -> None: ...

    def set_popularity(self, scores: dict[str, float]) -> None: ...

    def search(self, request: SearchRequest) -> SearchResult: ...
