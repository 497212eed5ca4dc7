"""The recommendation models against their definitions: EASE's closed form, the co-watch
graph's cosine, the metadata weights, trending's decay, and the rows' rules."""

from __future__ import annotations

import datetime as dt

import numpy as np
import scipy.sparse as sp

from cinemesh.contracts.ratings import MaturityRating
from cinemesh.discovery.domain.documents import Audience
from cinemesh.discovery.domain.recommend.cowatch import CoWatch, similarity
from cinemesh.discovery.domain.recommend.ease import EaseModel, fit_weights
from cinemesh.discovery.domain.recommend.matrix import interactions
from cinemesh.discovery.domain.recommend.rows import Composer, Models, Taste
from cinemesh.discovery.domain.recommend.similar import Similar, by_metadata, similar
from cinemesh.discovery.domain.recommend.trending import Watch, trending
from cinemesh.discovery.domain.shelf import Shelf

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
OPEN = [{"country": "US", "starts_at": "2020-01-01T00:00:00Z"}]


def test_ease_matches_the_closed_form_in_double_precision() -> None:
    rng = np.random.default_rng(1)
    x = sp.csr_matrix((rng.random((60, 25)) < 0.2).astype(np.float32))
    gram = (x.T @ x).toarray().astype(np.float64) + 10.0 * np.eye(25)
    p = np.linalg.inv(gram)
    expected = np.eye(25) - p / np.diag(p)
    np.fill_diagonal(expected, 0.0)
    assert np.allclose(fit_weights(x, 10.0), expected, atol=1e-4)


def test_a_fold_in_is_one_product_and_names_its_source() -> None:
    data = interactions([("a", "x", 1.0), ("a", "y", 1.0), ("b", "x", 1.0), ("b", "y", 1.0), ("c", "z", 1.0)])
    model = EaseModel.fit(data, lam=0.5)
    scores = model.scores({"x": 1.0})
    assert scores is not None and scores[model.index["y"]] > 0 >= scores[model.index["z"]]
    assert model.because({"x": 1.0, "z": 1.0}, "y") == "x"
    assert model.scores({"unknown": 1.0}) is None


def test_cowatch_is_cosine_without_self_edges() -> None:
    x = sp.csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [1, 0, 1]], dtype=np.float32))
    graph = similarity(x, k=2, shrink=0.0).toarray()
    assert graph[0, 0] == 0 and np.isclose(graph[0, 1], 2 / np.sqrt(3 * 2), atol=1e-6)
    assert np.isclose(graph[1, 2], 0.0)


def test_metadata_weights_follow_jellyfin() -> None:
    shelf = Shelf()
    seed = {
        "id": "s",
        "title": "Seed",
        "genres": ["drama"],
        "cast": [{"name": "Ann"}],
        "crew": [{"name": "Dee", "job": "director"}],
    }
    shelf.upsert(
        [
            seed,
            {"id": "d", "title": "Same director", "crew": [{"name": "Dee", "job": "director"}]},
            {"id": "a", "title": "Same actor", "cast": [{"name": "Ann"}]},
            {"id": "g", "title": "Same genre", "genres": ["drama"]},
            {"id": "n", "title": "Nothing shared", "genres": ["comedy"]},
        ]
    )
    assert by_metadata(shelf, "s") == {"d": 50.0, "a": 15.0, "g": 10.0}


def test_trending_decays_by_half_lives_and_falls_back_to_everywhere() -> None:
    day = dt.timedelta(days=1)
    watches = [
        Watch("old", "US", 1.0, NOW - 6 * day),
        Watch("new", "US", 0.3, NOW),
        Watch("fr", "FR", 1.0, NOW),
    ]
    ranked = trending(watches, now=NOW, half_life=3 * day)
    assert ranked.of("US")[:2] == ["new", "old"]  # 0.3 against 1.0 / 4
    assert ranked.of("JP") == ranked.of(None) == ["fr", "new", "old"]


def test_rows_never_repeat_and_drop_the_finished_and_the_unallowed() -> None:
    shelf = Shelf()
    ratings = {"k1": "G", "k2": "G", "r1": "R", "k3": "PG"}
    shelf.upsert(
        {
            "id": t,
            "title": t,
            "status": "published",
            "maturity_rating": r,
            "availability": OPEN,
            "genres": ["x"],
        }
        for t, r in ratings.items()
    )
    models = Models(
        cowatch=CoWatch.of([("k1", "r1", 0.9), ("k1", "k2", 0.5)]), trending=trending([], now=NOW)
    )
    kid = Audience(country="US", at=NOW, max_rating=MaturityRating.PG)
    taste = Taste({"k1": 1.0}, frozenset({"k1"}), ("k1",))
    rows = Composer(shelf=shelf, models=models, audience=kid, taste=taste, size=5).home()
    first_three = ("top-picks", "because-you-watched", "trending")
    shown = [p.title_id for row in rows if row.id in first_three for p in row.items]
    assert "r1" not in shown and "k1" not in shown and len(shown) == len(set(shown))
    assert [row.id for row in rows][:2] == ["top-picks", "because-you-watched"]


def test_similar_titles_are_kept_until_the_shelf_or_the_graph_changes() -> None:
    shelf = Shelf()
    shelf.upsert({"id": t, "title": t, "genres": ["x"]} for t in ("a", "b"))
    graph = CoWatch.of([("a", "b", 0.5)])
    kept = Similar()
    assert kept.of(shelf, graph, "a") == ("b",) == tuple(t for t, _ in similar(shelf, graph, "a"))
    shelf.upsert([{"id": "c", "title": "c", "genres": ["x"]}])  # the shelf changed: asked anew
    assert kept.of(shelf, graph, "a") == ("b", "c")
    assert kept.of(shelf, CoWatch.of([("a", "c", 0.9)]), "a") == ("c", "b")  # a new graph too


def test_top_picks_come_best_first_with_their_source_named() -> None:
    shelf = Shelf()
    shelf.upsert({"id": t, "title": t.upper(), "status": "published", "availability": OPEN} for t in "wxyz")
    x = sp.csr_matrix(np.array([[1, 1, 0, 0], [1, 1, 1, 0], [0, 0, 1, 1], [1, 0, 1, 1]], np.float32))
    ease = EaseModel(("w", "x", "y", "z"), {"w": 0, "x": 1, "y": 2, "z": 3}, fit_weights(x, 0.5))
    audience = Audience(country="US", at=NOW)
    taste = Taste({"w": 1.0}, frozenset(), ("w",))
    row = Composer(shelf=shelf, models=Models(ease=ease), audience=audience, taste=taste, size=3).top_picks()
    assert row is not None and row.items
    scores = ease.scores({"w": 1.0})
    assert scores is not None
    expected = [t for t in ("x", "y", "z") if scores[ease.index[t]] > 0]
    expected.sort(key=lambda t: -scores[ease.index[t]])
    assert [p.title_id for p in row.items] == expected
    assert all(p.reason == "Because you watched W" for p in row.items)
