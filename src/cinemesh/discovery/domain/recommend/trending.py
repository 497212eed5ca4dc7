"""Trending per country: each profile's watch counts its strength, halved every `half_life`
since it was last watched, summed per title among the accounts of the country. A country
nobody watched from yet falls back to the whole platform's ranking."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

EVERYWHERE = "*"
DEFAULT_HALF_LIFE = dt.timedelta(days=3)


@dataclass(frozen=True)
class Watch:
    title_id: str
    country: str | None
    strength: float
    at: dt.datetime


@dataclass(frozen=True)
class Trending:
    ranked: dict[str, list[str]] = field(default_factory=dict)  # country -> titles, hottest first

    def of(self, country: str | None) -> list[str]:
        """The country's ranking followed by the platform's (without repeats)."""
        local = self.ranked.get(country or "", [])
        everywhere = self.ranked.get(EVERYWHERE, [])
        if not local:
            return everywhere
        seen = set(local)
        return local + [title_id for title_id in everywhere if title_id not in seen]


def trending(
    watches: Iterable[Watch],
    *,
    now: dt.datetime,
    half_life: dt.timedelta = DEFAULT_HALF_LIFE,
    limit: int = 500,
) -> Trending:
    heat: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    seconds = half_life.total_seconds()
    for watch in watches:
        age = max((now - watch.at).total_seconds(), 0.0)
        weight = watch.strength * 0.5 ** (age / seconds)
        heat[EVERYWHERE][watch.title_id] += weight
        if watch.country:
            heat[watch.country][watch.title_id] += weight
    return Trending(
        {
            country: [t for t, _ in sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))[:limit]]
            for country, scores in heat.items()
        }
    )
