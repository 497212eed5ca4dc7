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
