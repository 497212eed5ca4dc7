"""Maturity ratings (the design's enum) and the one rule every service applies to them.

Film (MPA) and TV Parental Guidelines ratings are two scales; to compare a title on one with a
profile limit on the other, each rating maps to the youngest age it is meant for. A title is
allowed under a limit when its age is not above the limit's age.
"""

from __future__ import annotations

import enum


class MaturityRating(enum.StrEnum):
    G = "G"
    PG = "PG"
    PG_13 = "PG-13"
    R = "R"
    NC_17 = "NC-17"
    TV_Y = "TV-Y"
    TV_Y7 = "TV-Y7"
    TV_G = "TV-G"
    TV_PG = "TV-PG"
    TV_14 = "TV-14"
    TV_MA = "TV-MA"


MINIMUM_AGE: dict[MaturityRating, int] = {
    MaturityRating.TV_Y: 0,
    MaturityRating.G: 0,
    MaturityRating.TV_G: 0,
    MaturityRating.TV_Y7: 7,
    MaturityRating.PG: 8,
    MaturityRating.TV_PG: 8,
    MaturityRating.PG_13: 13,
    MaturityRating.TV_14: 14,
    MaturityRating.R: 17,
    MaturityRating.TV_MA: 17,
    MaturityRating.NC_17: 18,
}

# What a kids profile may watch unless its parents choose a lower limit: PG and TV-PG, never
# PG-13, TV-14, R, TV-MA or NC-17.
KIDS_DEFAULT_LIMIT = MaturityRating.PG


def allowed(title_rating: MaturityRating | str | None, limit: MaturityRating | str | None) -> bool:
    """True when a title with `title_rating` may be shown under `limit` (None: no limit).

    An unrated title counts as adult content whenever a limit applies."""
    if limit is None:
        return True
    if title_rating is None:
        return False
    return MINIMUM_AGE[MaturityRating(title_rating)] <= MINIMUM_AGE[MaturityRating(limit)]


def ratings_allowed_under(limit: MaturityRating | str | None) -> list[MaturityRating]:
    """Every rating allowed under `limit`, e.g. for an SQL `IN (...)` filter."""
    return [rating for rating in MaturityRating if allowed(rating, limit)]


def profile_limit(*, is_kids: bool, max_rating: MaturityRating | str | None) -> MaturityRating | None:
    """A profile's effective limit from its `users.profile.changed.v1`: a kids profile without
    one gets `KIDS_DEFAULT_LIMIT` (never unlimited: fail closed)."""
    if max_rating is not None:
        return MaturityRating(max_rating)
    return KIDS_DEFAULT_LIMIT if is_kids else None
