"""The analytics store behind a port: what the use cases need of where events are kept.

`DuckDBStore` (embedded, columnar) is the one implementation; docs/analytics.md says why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from cinemesh.analytics.domain import Beacon, Fact, Period, ReportFilter, Viewer


@dataclass(frozen=True, slots=True)
class PendingBatch:
    """One request's well-formed beacons, waiting for the ingester's next append."""

    viewer: Viewer
    beacons: Sequence[Beacon]


@dataclass(frozen=True, slots=True)
class Appended:
    refused: frozenset[str]  # session ids another account owns: their events were not stored


class AnalyticsStore(Protocol):
    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def append(self, batches: Sequence[PendingBatch]) -> list[Appended]:
        """Stores the batches in one transaction, in order: the first account to name a session
        owns it; another account's events for it are refused."""

    async def add_fact(self, fact: Fact) -> None:
        """Once per event id (redelivery adds nothing)."""

    async def clear_facts(self) -> None: ...

    async def purge_beacons(self, *, before: dt.datetime) -> int:
        """Deletes raw beacons (and session claims) that arrived before `before`; the count."""

    async def title_owner(self, title_id: str) -> str | None:
        """Who created the title (catalog's event), if it is known."""

    async def qoe(self, query: ReportFilter) -> dict[str, Any]: ...

    async def title(self, title_id: str, period: Period) -> dict[str, Any]: ...

    async def business(self, period: Period) -> dict[str, Any]: ...

    async def counts(self) -> dict[str, int]: ...
