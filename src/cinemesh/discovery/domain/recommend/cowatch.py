"""The co-watch graph: for each title, the k titles most often watched by the same profiles,
cosine-weighted with a shrink term (ItemKNN). Its edges are what "Because you watched {title}"
walks, and they are stored as weighted rows in the service's database.

The item x item co-occurrence counts are computed a block of titles at a time, so memory stays
at a block x items array whatever the catalog's size.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from cinemesh.discovery.domain.recommend.matrix import Interactions, user_vector

BLOCK = 512
DEFAULT_NEIGHBOURS = 50
DEFAULT_SHRINK = 10.0

Edge = tuple[str, str, float]  # title, neighbour, weight


def similarity(
    matrix: sp.csr_matrix, *, k: int = DEFAULT_NEIGHBOURS, shrink: float = DEFAULT_SHRINK
) -> sp.csr_matrix:
    """Items x items, each row keeping its k strongest neighbours (no self edge)."""
    binary = (matrix > 0).astype(np.float32).tocsr()
    columns = binary.T.tocsr()
    n_items = binary.shape[1]
    norms = np.sqrt(np.asarray(binary.sum(axis=0)).ravel())
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    k = min(k, max(n_items - 1, 0))
    for start in range(0, n_items, BLOCK):
        stop = min(start + BLOCK, n_items)
        counts = (columns[start:stop] @ binary).toarray()
        scores = counts / (norms[start:stop, None] * norms[None, :] + shrink + 1e-9)
        scores[np.arange(stop - start), np.arange(start, stop)] = 0.0
        if k == 0:
            continue
        best = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        weights = np.take_along_axis(scores, best, axis=1)
        keep = weights > 0
        rows.append(np.repeat(np.arange(start, stop), k)[keep.ravel()])
        cols.append(best[keep])
        vals.append(weights[keep])
    if not rows:
        return sp.csr_matrix((n_items, n_items), dtype=np.float32)
    return sp.csr_matrix(
        (np.concatenate(vals).astype(np.float32), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_items, n_items),
    )


def edges(items: tuple[str, ...], graph: sp.csr_matrix) -> list[Edge]:
    coo = graph.tocoo()
    return [(items[a], items[b], float(w)) for a, b, w in zip(coo.row, coo.col, coo.data, strict=True)]


@dataclass
class CoWatch:
    """The graph as neighbour lists (strongest first), from a retrain or from stored edges."""

    neighbours: dict[str, list[tuple[str, float]]] = field(default_factory=dict)

    @classmethod
    def of(cls, all_edges: Iterable[Edge]) -> CoWatch:
        graph: dict[str, list[tuple[str, float]]] = {}
        for title_id, neighbour, weight in all_edges:
            graph.setdefault(title_id, []).append((neighbour, weight))
        for listed in graph.values():
            listed.sort(key=lambda pair: -pair[1])
        return cls(graph)

    def of_title(self, title_id: str) -> list[tuple[str, float]]:
        return self.neighbours.get(title_id, [])


@dataclass(frozen=True)
class ItemKnnModel:
    """Scores a profile by its row times the pruned similarity (the benchmark's ItemKNN)."""

    items: tuple[str, ...]
    index: dict[str, int]
    graph: sp.csr_matrix

    @classmethod
    def fit(
        cls, data: Interactions, *, k: int = DEFAULT_NEIGHBOURS, shrink: float = DEFAULT_SHRINK
    ) -> ItemKnnModel:
        return cls(items=data.items, index=data.index, graph=similarity(data.matrix, k=k, shrink=shrink))

    def scores(self, strengths: dict[str, float]) -> np.ndarray | None:
        columns, values = user_vector(strengths, self.index)
        if not len(columns):
            return None
        return np.asarray(self.graph[columns].T @ values).ravel()
