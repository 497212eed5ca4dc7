"""The rows a profile is shown, each with a one-line reason: Top picks (EASE, folded in from the
profile's own watches), Because you watched {title} (co-watch blended with metadata), Trending
now in {country}, New releases; and More like this for a title page.

Every row keeps to the audience (region windows, maturity limit, published) and drops what the
profile finished; the first three rows never repeat a title. A profile with no signal yet gets
the country's trending titles as its top picks (cold start); a profile that keeps its viewing out
of recommendations gets no personal row at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from cinemesh.discovery.domain.documents import Audience
from cinemesh.discovery.domain.recommend.cowatch import CoWatch
from cinemesh.discovery.domain.recommend.ease import EaseModel
from cinemesh.discovery.domain.recommend.matrix import top_columns, user_vector
from cinemesh.discovery.domain.recommend.similar import Similar
from cinemesh.discovery.domain.recommend.trending import Trending
from cinemesh.discovery.domain.shelf import Shelf

MAX_SCAN = 3000  # candidates looked at per row before it is left shorter
SEED_STRENGTH = 0.5  # a watch that says something of taste (half of it seen)
TOP_PICKS, BECAUSE, TRENDING, NEW = "top-picks", "because-you-watched", "trending", "new-releases"


@dataclass(frozen=True)
class Pick:
    title_id: str
    reason: str


@dataclass(frozen=True)
class Row:
    id: str
    title: str
    reason: str
    items: tuple[Pick, ...]


@dataclass(frozen=True)
class Taste:
    """A profile's signals: strength per title, what it finished, its titles most recent first."""

    strengths: dict[str, float] = field(default_factory=dict)
    finished: frozenset[str] = frozenset()
    recent: tuple[str, ...] = ()
    personal: bool = True  # false: `watch_history_included` is off

    @property
    def cold(self) -> bool:
        return not self.personal or not self.strengths


@dataclass(frozen=True)
class Models:
    ease: EaseModel | None = None
    cowatch: CoWatch = field(default_factory=CoWatch)
    trending: Trending = field(default_factory=Trending)
    # Similar titles kept per title while these models serve (a retrain starts afresh).
    similar: Similar = field(default_factory=Similar, compare=False)


class Composer:
    def __init__(self, *, shelf: Shelf, models: Models, audience: Audience, taste: Taste, size: int) -> None:
        self.shelf = shelf
        self.models = models
        self.audience = audience
        self.taste = taste
        self.size = size
        self.shown: set[str] = set()  # titles of the rows so far (the first three)

    def _fill(
        self, candidates: Iterable[tuple[str, str]], *, dedupe: bool = True, drop_watched: bool = False
    ) -> tuple[Pick, ...]:
        picks: list[Pick] = []
        picked: set[str] = set()
        for scanned, (title_id, reason) in enumerate(candidates):
            if len(picks) >= self.size or scanned >= MAX_SCAN:
                break
            if title_id in self.taste.finished or (dedupe and title_id in self.shown):
                continue
            if drop_watched and title_id in self.taste.strengths:
                continue
            if title_id in picked or self.shelf.visible(title_id, self.audience) is None:
                continue
            picks.append(Pick(title_id, reason))
            picked.add(title_id)
        if dedupe:
            self.shown.update(pick.title_id for pick in picks)
        return tuple(picks)

    def _name(self, title_id: str) -> str:
        title = self.shelf.get(title_id)
        return title.title if title is not None else "a title you watched"

    def _country(self) -> str:
        return self.audience.country or "your region"

    # -- the rows ------------------------------------------------------------------------------

    def _ease_candidates(self) -> Iterator[tuple[str, str]]:
        ease = self.models.ease
        if ease is None:
            return
        columns, values = user_vector(self.taste.strengths, ease.index)
        if not len(columns):
            return
        scores: np.ndarray = values @ ease.weights[columns]  # the fold-in, x @ B
        ranked = np.asarray(top_columns(scores, MAX_SCAN, exclude=columns), np.int64)
        ranked = ranked[scores[ranked] > 0]  # nothing the profile watched points to the rest
        for column in ranked.tolist():
            source = ease.because_of(columns, values, column)
            reason = f"Because you watched {self._name(source)}" if source else "Picked for your taste"
            yield ease.items[column], reason

    def _cowatch_candidates(self) -> Iterator[tuple[str, str]]:
        for seed in self.taste.recent:
            for title_id, _ in self.models.cowatch.of_title(seed):
                yield title_id, f"Viewers of {self._name(seed)} watched it too"

    def _trending_candidates(self, reason: str) -> Iterator[tuple[str, str]]:
        for title_id in self.models.trending.of(self.audience.country):
            yield title_id, reason

    def top_picks(self) -> Row | None:
        if not self.taste.personal:
            return None
        if not self.taste.cold:
            items = self._fill(self._ease_candidates(), drop_watched=True)
            if not items:
                items = self._fill(self._cowatch_candidates(), drop_watched=True)
            if items:
                return Row(TOP_PICKS, "Top picks for you", "Picked from what you watched", items)
        popular = f"Popular in {self._country()}"
        items = self._fill(self._trending_candidates(popular), drop_watched=True)
        reason = f"What viewers in {self._country()} watch, until we know your taste"
        return Row(TOP_PICKS, "Top picks for you", reason, items) if items else None

    def seed(self) -> str | None:
        """The latest watch that says something of taste and that the viewer may still see."""
        for title_id in self.taste.recent:
            if self.taste.strengths.get(title_id, 0.0) >= SEED_STRENGTH and self.shelf.visible(
                title_id, self.audience
            ):
                return title_id
        return None

    def because_you_watched(self) -> Row | None:
        seed = self.seed() if self.taste.personal else None
        if seed is None:
            return None
        name = self._name(seed)
        alike = self.models.similar.of(self.shelf, self.models.cowatch, seed)
        candidates = ((t, f"Like {name}") for t in alike)
        items = self._fill(candidates, drop_watched=True)
        return (
            Row(BECAUSE, f"Because you watched {name}", f"Watched by viewers of {name}, or made alike", items)
            if items
            else None
        )

    def trending(self, *, dedupe: bool = True) -> Row | None:
        country = self._country()
        items = self._fill(self._trending_candidates(f"Trending in {country}"), dedupe=dedupe)
        return (
            Row(TRENDING, f"Trending now in {country}", f"Most watched in {country} lately", items)
            if items
            else None
        )

    def new_releases(self) -> Row | None:
        candidates = ((t, "New on cinemesh") for t in self.shelf.newest())
        items = self._fill(candidates, dedupe=False)
        return Row(NEW, "New releases", "Just added to the catalog", items) if items else None

    def home(self) -> list[Row]:
        rows = [self.top_picks(), self.because_you_watched(), self.trending(), self.new_releases()]
        return [row for row in rows if row is not None]

    def more_like(self, title_id: str) -> Row:
        name = self._name(title_id)
        candidates = (
            (t, f"Like {name}")
            for t in self.models.similar.of(self.shelf, self.models.cowatch, title_id)
            if t != title_id
        )
        return Row(
            "more-like-this",
            f"More like {name}",
            f"Watched by viewers of {name}, or made alike",
            self._fill(candidates, dedupe=False),
        )
