"""The interaction matrix: profiles x titles, a completion strength in each cell."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class Interactions:
    matrix: sp.csr_matrix  # profiles x items, float32 strengths
    items: tuple[str, ...]  # column -> title id
    profiles: tuple[str, ...]  # row -> profile id

    @property
    def index(self) -> dict[str, int]:
        return {title_id: column for column, title_id in enumerate(self.items)}


def interactions(
    cells: Iterable[tuple[str, str, float]], *, max_items: int | None = None, min_count: int = 1
) -> Interactions:
    """From (profile id, title id, strength) cells; keeps the `max_items` most watched titles
    seen by at least `min_count` profiles (EASE's dense solve is cubic in the items)."""
    profile_ids: dict[str, int] = {}
    title_ids: dict[str, int] = {}
    rows: list[int] = []
    columns: list[int] = []
    values: list[float] = []
    for profile_id, title_id, strength in cells:
        rows.append(profile_ids.setdefault(profile_id, len(profile_ids)))
        columns.append(title_ids.setdefault(title_id, len(title_ids)))
        values.append(strength)
    shape = (len(profile_ids), len(title_ids))
    matrix = sp.csr_matrix(
        (np.asarray(values, np.float32), (np.asarray(rows, np.int64), np.asarray(columns, np.int64))),
        shape=shape,
    )
    matrix.sum_duplicates()
    items = tuple(title_ids)
    counts = np.asarray((matrix > 0).sum(axis=0)).ravel()
    keep = np.flatnonzero(counts >= min_count)
    if max_items is not None and len(keep) > max_items:
        keep = keep[np.argsort(-counts[keep], kind="stable")[:max_items]]
        keep.sort()
    if len(keep) < len(items):
        matrix = matrix[:, keep].tocsr()
        items = tuple(items[column] for column in keep)
    return Interactions(matrix=matrix, items=items, profiles=tuple(profile_ids))


def user_vector(strengths: dict[str, float], index: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """(columns, strengths) of a profile's known titles: its row, sparse."""
    known = [(index[t], s) for t, s in strengths.items() if t in index]
    columns = np.asarray([c for c, _ in known], np.int64)
    return columns, np.asarray([s for _, s in known], np.float32)


def top_columns(scores: np.ndarray, k: int, *, exclude: Sequence[int] | np.ndarray = ()) -> list[int]:
    """The k best columns, best first, without `exclude`."""
    scores = scores.copy()
    if len(exclude):
        scores[np.asarray(exclude, np.int64)] = -np.inf
    k = min(k, len(scores))
    if k <= 0:
        return []
    best = np.argpartition(-scores, k - 1)[:k]
    best = best[np.argsort(-scores[best], kind="stable")]
    ranked: list[int] = best[np.isfinite(scores[best])].tolist()
    return ranked
