"""Offline evaluation on MovieLens-100K with RecBole's protocol: the `ml-100k.inter` file read
from the PyPI `recbole` wheel (downloaded into a temporary folder at bench time, never kept),
ratings >= 3, a random 8:1:1 split of each user's interactions, models fitted on the training
part, full-sort ranking of every item outside the user's training and validation parts (as
RecBole's test phase), Recall@10, NDCG@10 and Hit@10 over the users with test items."""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

RECBOLE = "recbole==1.2.1"
INTER = "recbole/dataset_example/ml-100k/ml-100k.inter"
K = 10


def download_wheel(folder: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", RECBOLE, "--no-deps", "-q", "-d", str(folder)], check=True
    )
    return next(folder.glob("recbole-*.whl"))


def read_inter(wheel: Path) -> list[tuple[str, str, float]]:
    """(user, item, rating) rows of the wheel's `ml-100k.inter` (tab-separated, typed header)."""
    with zipfile.ZipFile(wheel) as archive:
        text = io.TextIOWrapper(archive.open(INTER), encoding="utf-8").read()
    lines = text.splitlines()[1:]
    return [(u, i, float(r)) for u, i, r, *_ in (line.split("\t") for line in lines if line)]


@dataclass(frozen=True)
class Split:
    train: sp.csr_matrix  # users x items, binary
    valid: list[np.ndarray]  # per user: item columns
    test: list[np.ndarray]
    n_items: int
    masked: sp.csr_matrix  # train and validation: what RecBole leaves out of a test ranking


def ratio_counts(total: int, ratios: tuple[float, ...] = (0.8, 0.1, 0.1)) -> list[int]:
    """RecBole's `_calcu_split_ids`: each later part int(ratio * n), at least one when it has
    a share, the first part the rest."""
    counts = [int(ratio * total) for ratio in ratios]
    counts[0] = total - sum(counts[1:])
    for i in range(1, len(ratios)):
        if counts[0] <= 1:
            break
        if 0 < ratios[-i] * total < 1:
            counts[-i] += 1
            counts[0] -= 1
    return counts


def load_split(seed: int = 2020) -> Split:
    with tempfile.TemporaryDirectory() as folder:
        rows = read_inter(download_wheel(Path(folder)))
    kept = [(u, i) for u, i, rating in rows if rating >= 3]
    users: dict[str, int] = {}
    items: dict[str, int] = {}
    by_user: dict[int, list[int]] = {}
    for u, i in kept:
        by_user.setdefault(users.setdefault(u, len(users)), []).append(items.setdefault(i, len(items)))
    rng = np.random.default_rng(seed)
    train_rows: list[int] = []
    train_cols: list[int] = []
    valid: list[np.ndarray] = []
    test: list[np.ndarray] = []
    for user in range(len(users)):
        seen = np.asarray(by_user[user])
        rng.shuffle(seen)
        n_train, n_valid, _ = ratio_counts(len(seen))
        train_rows += [user] * n_train
        train_cols += seen[:n_train].tolist()
        valid.append(seen[n_train : n_train + n_valid])
        test.append(seen[n_train + n_valid :])
    data = np.ones(len(train_rows), np.float32)
    train = sp.csr_matrix((data, (train_rows, train_cols)), shape=(len(users), len(items)))
    valid_rows = [user for user, seen in enumerate(valid) for _ in seen]
    valid_cols = [int(item) for seen in valid for item in seen]
    shown = sp.csr_matrix((np.ones(len(valid_rows), np.float32), (valid_rows, valid_cols)), shape=train.shape)
    masked = ((train + shown) > 0).astype(np.float32).tocsr()
    return Split(train=train, valid=valid, test=test, n_items=len(items), masked=masked)


Scorer = Callable[[np.ndarray], np.ndarray]  # user ids -> users x items scores


def evaluate(split: Split, score: Scorer, *, batch: int = 256) -> dict[str, float]:
    recall, ndcg, hit = [], [], []
    discounts = 1.0 / np.log2(np.arange(2, K + 2))
    users = np.asarray([u for u in range(split.train.shape[0]) if len(split.test[u])])
    for start in range(0, len(users), batch):
        chunk = users[start : start + batch]
        scores = np.asarray(score(chunk), dtype=np.float64)
        seen = split.masked[chunk]
        scores[seen.nonzero()] = -np.inf  # full sort over what the user has not seen before
        top = np.argpartition(-scores, K, axis=1)[:, :K]
        order = np.take_along_axis(scores, top, axis=1).argsort(axis=1)[:, ::-1]
        top = np.take_along_axis(top, order, axis=1)
        for row, user in enumerate(chunk):
            truth = set(split.test[user].tolist())
            hits = np.asarray([item in truth for item in top[row]], dtype=np.float64)
            recall.append(hits.sum() / len(truth))
            ideal = discounts[: min(len(truth), K)].sum()
            ndcg.append((hits * discounts).sum() / ideal)
            hit.append(float(hits.any()))
    return {"recall": float(np.mean(recall)), "ndcg": float(np.mean(ndcg)), "hit": float(np.mean(hit))}
