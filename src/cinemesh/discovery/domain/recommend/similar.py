"""Similar titles: shared metadata with Jellyfin's weights (director 50, actor 15, genre 10),
a little for a close release year and the same rating, blended with the co-watch graph.

Both scores are scaled to [0, 1] by their best before the blend, so neither swamps the other;
a title nobody co-watched yet is still similar by its metadata.
"""

from __future__ import annotations

from collections import defaultdict

from cinemesh.discovery.domain.recommend.cowatch import CoWatch
from cinemesh.discovery.domain.shelf import Shelf, features

WEIGHTS = {"director": 50.0, "actor": 15.0, "genre": 10.0}
MAX_ACTORS = 10  # the billed cast, as Jellyfin limits it
YEAR_BONUS, YEAR_SPAN = 5.0, 5
RATING_BONUS = 3.0
COWATCH_SHARE = 0.5


def by_metadata(shelf: Shelf, title_id: str) -> dict[str, float]:
    seed = shelf.get(title_id)
    if seed is None:
        return {}
    scores: dict[str, float] = defaultdict(float)
    actors = set(seed.actors[:MAX_ACTORS])
    for kind, value in features(seed):
        if kind == "actor" and value not in actors:
            continue
        weight = WEIGHTS[kind]
        for other in shelf.by_feature.get((kind, value), ()):
            scores[other] += weight
    scores.pop(title_id, None)
    for other in scores:
        title = shelf.titles[other]
        if (
            seed.release_year
            and title.release_year
            and abs(seed.release_year - title.release_year) <= YEAR_SPAN
        ):
            scores[other] += YEAR_BONUS
        if seed.maturity_rating and title.maturity_rating == seed.maturity_rating:
            scores[other] += RATING_BONUS
    return scores


def _scaled(scores: dict[str, float]) -> dict[str, float]:
    best = max(scores.values(), default=0.0)
    return {key: value / best for key, value in scores.items()} if best > 0 else {}


def similar(
    shelf: Shelf, cowatch: CoWatch, title_id: str, *, share: float = COWATCH_SHARE
) -> list[tuple[str, float]]:
    """Titles like `title_id`, best first: (1 - share) metadata + share co-watch."""
    metadata = _scaled(by_metadata(shelf, title_id))
    watched = _scaled(dict(cowatch.of_title(title_id)))
    blended = {key: (1 - share) * value for key, value in metadata.items()}
    for key, value in watched.items():
        blended[key] = blended.get(key, 0.0) + share * value
    blended.pop(title_id, None)
    return sorted(blended.items(), key=lambda pair: (-pair[1], pair[0]))


# Titles whose similar list is kept, and the best kept of each (more than a row of 20 scans past
# its filters in practice): at most 8192 x 200 ids, about 14 MB beside the models' 1.7 GB.
MEMO_TITLES = 8192
MEMO_DEPTH = 200


class Similar:
    """`similar`'s ranking of a title, kept while the shelf and the co-watch graph it came from
    are unchanged: a home request asked it anew each time (the metadata walk was a third of its
    CPU). Only the order is kept; visibility and what the profile finished are checked per
    request, so an unpublished title still leaves every row at once."""

    def __init__(self) -> None:
        self._memo: dict[str, tuple[str, ...]] = {}
        self._source: tuple[int, int] | None = None

    def of(self, shelf: Shelf, cowatch: CoWatch, title_id: str) -> tuple[str, ...]:
        source = (shelf.generation, id(cowatch))
        if source != self._source:
            self._memo.clear()
            self._source = source
        found = self._memo.get(title_id)
        if found is None:
            found = tuple(t for t, _ in similar(shelf, cowatch, title_id)[:MEMO_DEPTH])
            if len(self._memo) >= MEMO_TITLES:
                self._memo.pop(next(iter(self._memo)))  # the oldest
            self._memo[title_id] = found
        return found
