"""Serving and retraining at scale: generated titles and profiles with clustered tastes, stored
through discovery's migrations in SQLite, then a full retrain (read, EASE, co-watch graph and
its edges written, trending) and the home rows of random profiles through the service."""

from __future__ import annotations

import datetime as dt
import random
import resource
import sqlite3
import time
from pathlib import Path
from typing import Any

from cinemesh.discovery.domain.shelf import Shelf
from cinemesh.discovery.service.recommend import RecommendService
from cinemesh.discovery.settings import DiscoverySettings
from cinemesh.platform.db import Database
from cinemesh.platform.migrations import upgrade_to_head

SRC = Path(__file__).resolve().parent.parent / "src" / "cinemesh"
CLUSTERS = 50
RATINGS = ["G", "PG", "PG-13", "R", "TV-14", "TV-MA"]
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def documents(titles: int, rng: random.Random) -> list[dict[str, Any]]:
    window = [{"country": "*", "starts_at": "2020-01-01T00:00:00Z"}]
    return [
        {
            "id": f"t{n:06d}",
            "version": 1,
            "title": f"Title {n}",
            "status": "published",
            "type": "movie",
            "maturity_rating": rng.choice(RATINGS),
            "release_year": rng.randint(1970, 2026),
            "genres": [f"genre{n % CLUSTERS}"],
            "cast": [{"name": f"actor{rng.randrange(5000)}"} for _ in range(4)],
            "crew": [{"name": f"director{rng.randrange(2000)}", "job": "director"}],
            "availability": window,
            "published_at": (NOW - dt.timedelta(minutes=n)).isoformat(),
        }
        for n in range(titles)
    ]


def watches(profiles: int, titles: int, per_profile: int, rng: random.Random) -> list[tuple[Any, ...]]:
    """(profile, content, user, title, strength, finished, at): 80 % from the profile's own
    cluster, Zipf-like popularity inside it, 20 % from the whole catalog's head."""
    by_cluster = [list(range(c, titles, CLUSTERS)) for c in range(CLUSTERS)]
    weights = [1.0 / (rank + 1) for rank in range(len(by_cluster[0]))]
    head = list(range(min(titles, 2000)))
    rows = []
    for p in range(profiles):
        cluster = by_cluster[p % CLUSTERS]
        count = max(1, int(rng.expovariate(1 / per_profile)))
        own = rng.choices(cluster, weights=weights[: len(cluster)], k=count)
        chosen = {t for t in own if rng.random() < 0.8} | set(rng.choices(head, k=max(1, count // 5)))
        for t in chosen:
            strength = rng.uniform(0.2, 1.0)
            at = (NOW - dt.timedelta(hours=rng.uniform(0, 24 * 30))).isoformat(" ")
            rows.append((f"p{p:07d}", f"t{t:06d}", f"u{p:07d}", f"t{t:06d}", strength, strength > 0.9, at))
    return rows


async def build(
    folder: Path, *, titles: int, profiles: int, per_profile: int, seed: int = 7
) -> tuple[RecommendService, int]:
    rng = random.Random(seed)
    database = Database(f"sqlite+aiosqlite:///{folder}/discovery.db")
    await upgrade_to_head(database, service="discovery", script_location=SRC / "discovery" / "migrations")
    rows = watches(profiles, titles, per_profile, rng)
    with sqlite3.connect(folder / "discovery.db") as connection:
        connection.executemany(
            "INSERT INTO discovery_profiles (profile_id, user_id, is_kids, max_maturity_rating,"
            " watch_history_included) VALUES (?, ?, 0, NULL, 1)",
            [(f"p{p:07d}", f"u{p:07d}") for p in range(profiles)],
        )
        connection.executemany(
            "INSERT OR IGNORE INTO discovery_interactions (profile_id, content_id, user_id, title_id,"
            " strength, finished, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    shelf = Shelf()
    shelf.upsert(documents(titles, rng))
    service = RecommendService(
        database=database, shelf=shelf, settings=DiscoverySettings(), clock=lambda: NOW
    )
    return service, len(rows)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def retrain(service: RecommendService) -> dict[str, float]:
    before = peak_rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    done = await service.retrain()
    return {
        "seconds": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
        "peak_rss_mb": peak_rss_mb(),
        "peak_growth_mb": peak_rss_mb() - before,
        "modelled": done.modelled,
        "titles": done.titles,
        "edges": done.edges,
    }


async def serve(
    service: RecommendService, *, profiles: int, samples: int, seed: int = 11
) -> dict[str, float]:
    rng = random.Random(seed)
    times: list[float] = []
    cpu = time.process_time()
    for _ in range(samples):
        p = rng.randrange(profiles)
        started = time.perf_counter()
        viewer = await service.viewer(user_id=f"u{p:07d}", country="US", profile_id=f"p{p:07d}")
        rows = await service.home(viewer)
        times.append(time.perf_counter() - started)
        assert rows, "no rows"
    times.sort()
    return {
        "p50_ms": 1000 * times[len(times) // 2],
        "p99_ms": 1000 * times[int(len(times) * 0.99) - 1],
        "cpu_ms": 1000 * (time.process_time() - cpu) / samples,
    }
