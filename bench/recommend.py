"""Recommendations benchmark (discovery, #16).

    .venv/bin/python -m bench.recommend [--titles 20000] [--profiles 100000] [--samples 1000]
        [--external-python PATH]   # a separate virtualenv: implicit, RecBole + torch

1. Offline quality on MovieLens-100K with RecBole's protocol (`bench/_recommend_offline.py`):
   popularity, our ItemKNN (the co-watch graph), our EASE and RecBole 1.2.1's EASE solve (its
   own numpy lines) on one split; with PATH, `implicit`'s ALS on the same split and RecBole's own
   EASE and ItemKNN through RecBole's own pipeline (its own random split, same protocol). PATH is
   never the project's environment: RecBole needs torch (PyPI's, with its CUDA libraries, about
   6 GB; the CPU build is not on PyPI) and NumPy < 2, e.g.
       python3 -m venv /tmp/rb && /tmp/rb/bin/pip install implicit recbole==1.2.1 torch \
           "numpy<2" "pandas<2.3" "scipy<1.15"
2. Serving at scale (`bench/_recommend_serving.py`): a full retrain's time and peak memory, and
   p50/p99 of a profile's home rows through the service (its two reads included).
Every figure is printed with the 1-minute load average beside it (a shared machine).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from bench._recommend_offline import Split, evaluate, load_split
from bench._recommend_serving import build, retrain, serve
from bench._report import write_section
from cinemesh.discovery.domain.recommend.cowatch import similarity
from cinemesh.discovery.domain.recommend.ease import fit_weights

EXTERNAL = Path(__file__).resolve().parent / "_recommend_external.py"
RECBOLE = Path(__file__).resolve().parent / "_recommend_recbole.py"


def load() -> float:
    return os.getloadavg()[0]


def timed(fit: Callable[[], Any], *, repeat: int = 3) -> tuple[Any, float, float]:
    """The fit and its best wall and CPU times of `repeat` runs (a loaded machine's noise)."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        made = fit()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return made, min(walls), min(cpus)


def recbole_ease(train: sp.csr_matrix, reg_weight: float = 250.0) -> np.ndarray:
    """RecBole 1.2.1's EASE solve, line for line (`recbole/model/general_recommender/ease.py`):
    a float32 general inverse of the dense Gram matrix."""
    gram = train.T @ train
    gram += reg_weight * sp.identity(gram.shape[0]).astype(np.float32)
    dense = gram.todense()
    precision = np.linalg.inv(dense)
    weights = np.asarray(precision / (-np.diag(precision)))
    np.fill_diagonal(weights, 0.0)
    return weights


def ours(split: Split) -> list[dict[str, Any]]:
    train = split.train
    popularity = np.asarray(train.sum(axis=0)).ravel()
    tiled = evaluate(split, lambda u: np.tile(popularity, (len(u), 1)))
    results = [{"model": "Popularity", "fit_seconds": 0.0, "fit_cpu": 0.0, **tiled}]
    # RecBole ItemKNN's defaults; a title is scored from its own k nearest neighbours (the
    # graph keeps each title's k strongest: transposed, as the similarity is symmetric).
    graph, wall, cpu = timed(lambda: similarity(train, k=100, shrink=0.0).T.tocsr())
    knn = evaluate(split, lambda u: (train[u] @ graph).toarray())
    results.append({"model": "ItemKNN (ours)", "fit_seconds": wall, "fit_cpu": cpu, **knn})
    weights, wall, cpu = timed(lambda: fit_weights(train, 250.0))  # RecBole EASE's default reg_weight
    ease = evaluate(split, lambda u: train[u] @ weights)
    results.append({"model": "EASE (ours)", "fit_seconds": wall, "fit_cpu": cpu, **ease})
    theirs, wall, cpu = timed(lambda: recbole_ease(train))
    reference = evaluate(split, lambda u: train[u] @ theirs)
    results.append(
        {"model": "EASE (RecBole's solve, run here)", "fit_seconds": wall, "fit_cpu": cpu, **reference}
    )
    return results


def external(python: str, split: Split, folder: Path) -> list[dict[str, Any]]:
    """`implicit`'s ALS on the same split, in the interpreter that has it."""
    train = split.train
    split_path, scores_path = folder / "split.npz", folder / "scores.npy"
    shape = np.asarray(train.shape)
    np.savez(split_path, data=train.data, indices=train.indices, indptr=train.indptr, shape=shape)
    command = [python, str(EXTERNAL), str(split_path), str(scores_path)]
    answer = subprocess.run(command, capture_output=True, text=True)
    if answer.returncode != 0:
        print("implicit: not run:", answer.stderr.strip().splitlines()[-1:] or answer.returncode)
        return []
    fit = json.loads(answer.stdout.strip().splitlines()[-1])
    scores = np.load(scores_path)
    return [{"model": "ALS (implicit, 64 factors)", **fit, **evaluate(split, lambda u: scores[u])}]


def recbole(python: str) -> list[dict[str, Any]]:
    """RecBole's own EASE and ItemKNN in their own pipeline (its own random split, same protocol)."""
    results = []
    for model in ("EASE", "ItemKNN"):
        answer = subprocess.run([python, str(RECBOLE), model], capture_output=True, text=True)
        if answer.returncode != 0:
            print(f"RecBole {model}: not run:", answer.stderr.strip().splitlines()[-1:] or answer.returncode)
            continue
        results.append(
            {"model": f"{model} (RecBole, its own split)", **json.loads(answer.stdout.splitlines()[-1])}
        )
    return results


def offline_table(results: list[dict[str, Any]], loadavg: float) -> str:
    lines = [
        "| model | Recall@10 | NDCG@10 | Hit@10 | fit wall (s) | fit CPU (s) | load |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        cpu = f"{r['fit_cpu']:.3f}" if "fit_cpu" in r else "-"
        figures = f"{r['recall']:.4f} | {r['ndcg']:.4f} | {r['hit']:.4f} | {r['fit_seconds']:.3f} | {cpu}"
        lines.append(f"| {r['model']} | {figures} | {loadavg:.1f} |")
    return "\n".join(lines)


async def at_scale(args: argparse.Namespace) -> str:
    with tempfile.TemporaryDirectory() as folder:
        service, cells = await build(
            Path(folder), titles=args.titles, profiles=args.profiles, per_profile=args.per_profile
        )
        print(f"stored {cells} watches of {args.profiles} profiles, {args.titles} titles (load {load():.1f})")
        trained = await retrain(service)
        retrain_load = load()
        print(f"retrain: {trained} (load {retrain_load:.1f})")
        served = await serve(service, profiles=args.profiles, samples=args.samples)
        serve_load = load()
        print(f"home rows: {served} (load {serve_load:.1f})")
    modelled = (
        f"read, EASE on the {trained['modelled']:,} most watched titles, co-watch graph of "
        f"{trained['titles']:,} titles and its {trained['edges']:,} edges written, trending"
    )
    rows = [
        (f"full retrain, wall ({modelled})", f"{trained['seconds']:.1f} s", retrain_load),
        ("full retrain, CPU", f"{trained['cpu']:.1f} s", retrain_load),
        (
            "process peak RSS after the retrain (growth during it)",
            f"{trained['peak_rss_mb']:.0f} MB ({trained['peak_growth_mb']:+.0f} MB)",
            retrain_load,
        ),
        (
            f"home rows p50 / p99 ({args.samples} random profiles, both reads included)",
            f"{served['p50_ms']:.1f} / {served['p99_ms']:.1f} ms",
            serve_load,
        ),
        ("home rows CPU per request", f"{served['cpu_ms']:.1f} ms", serve_load),
    ]
    table = "\n".join(f"| {name} | {value} | {at:.1f} |" for name, value, at in rows)
    return (
        f"{args.titles:,} titles, {args.profiles:,} profiles, {cells:,} stored watches (SQLite).\n\n"
        f"| figure | value | load |\n|---|---|---|\n{table}"
    )


def main() -> None:
    # One BLAS thread: on two shared cores OpenBLAS's spinning threads make the fits' times
    # noise (the process re-starts itself, as the library reads the setting when it loads).
    if os.environ.get("OPENBLAS_NUM_THREADS") != "1":
        environment = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
        os.execve(sys.executable, [sys.executable, "-m", "bench.recommend", *sys.argv[1:]], environment)
    parser = argparse.ArgumentParser()
    parser.add_argument("--titles", type=int, default=20_000)
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--per-profile", type=int, default=20)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument(
        "--external-python", default=None, help="An interpreter with implicit / recbole + torch."
    )
    parser.add_argument("--skip-serving", action="store_true")
    args = parser.parse_args()
    split = load_split()
    results = ours(split)
    if args.external_python:
        with tempfile.TemporaryDirectory() as folder:
            results += external(args.external_python, split, Path(folder))
        results += recbole(args.external_python)
    offline_load = load()
    table = offline_table(results, offline_load)
    print(table)
    scale = "(not run)" if args.skip_serving else asyncio.run(at_scale(args))
    write_section(
        "recommend",
        "### Recommendations: MovieLens-100K, RecBole's protocol\n\n"
        "Ratings >= 3, random 8:1:1 split per user, full-sort ranking; `ml-100k.inter` from the "
        "PyPI recbole wheel, fetched at bench time; test rankings leave out the training and "
        "validation items (RecBole's test phase). Ours, RecBole's EASE solve and ALS share one split; "
        "the RecBole rows come from RecBole's own pipeline and split. Fit times: wall and process "
        "CPU, ours the best of three runs, one BLAS thread.\n\n"
        f"{table}\n\n### Recommendations at scale\n\n{scale}",
    )


if __name__ == "__main__":
    main()
