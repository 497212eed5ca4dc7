"""The engines discovery's own index was measured against (bench/search.py runs these when it
can): tantivy's fuzzy term queries, in RAM, when the package is installed, and SQLite FTS5 with
the trigram tokenizer (substrings; it has no typo tolerance of its own)."""

from __future__ import annotations

import importlib
import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _p(timings: list[float]) -> str:
    ordered = sorted(timings)
    return f"{statistics.median(ordered) * 1000:.1f} / {ordered[int(len(ordered) * 0.95) - 1] * 1000:.1f}"


def _time(run: Callable[[str], Any], texts: list[str]) -> tuple[list[float], int]:
    timings, found = [], 0
    for text in texts:
        started = time.perf_counter()
        found += bool(run(text))
        timings.append(time.perf_counter() - started)
    return timings, found


def _people(document: dict[str, Any]) -> str:
    return " ".join(c["name"] for c in document["cast"] + document["crew"])


def tantivy_rows(docs: list[dict[str, Any]], asked: dict[str, list[str]]) -> list[str]:
    try:
        tantivy: Any = importlib.import_module("tantivy")
    except ImportError:
        return ["tantivy: not installed here, not measured (`uv pip install tantivy` to compare)."]
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("title", stored=True)
    builder.add_text_field("body")
    schema = builder.build()
    index = tantivy.Index(schema)
    started = time.perf_counter()
    writer = index.writer(heap_size=200_000_000, num_threads=1)
    for d in docs:
        writer.add_document(tantivy.Document(title=d["title"], body=_people(d) + " " + d["description"]))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    build = time.perf_counter() - started
    searcher = index.searcher()

    def terms(text: str, *, distance: int, prefix: bool) -> Any:
        clauses = [
            (
                tantivy.Occur.Must,
                tantivy.Query.fuzzy_term_query(
                    schema, "title", word, distance=distance, transposition_cost_one=True, prefix=prefix
                ),
            )
            for word in text.split()
        ]
        return tantivy.Query.boolean_query(clauses)

    runs: dict[str, Callable[[str], Any]] = {
        "exact": lambda t: searcher.search(index.parse_query(t, ["title"]), 20).hits,
        "one typo": lambda t: searcher.search(terms(t, distance=1, prefix=False), 20).hits,
        "two typos": lambda t: searcher.search(terms(t, distance=2, prefix=False), 20).hits,
        "prefix": lambda t: searcher.search(terms(t, distance=0, prefix=True), 20).hits,
        "substring": lambda t: (
            searcher.search(tantivy.Query.regex_query(schema, "title", f".*{t.strip()}.*"), 20).hits
        ),
    }
    rows = [
        f"tantivy {getattr(tantivy, '__version__', '')}: build {build:.1f} s (RAM, one thread); p50 / p95 ms:"
    ]
    for kind, run in runs.items():
        timings, found = _time(run, asked[kind])
        rows.append(f"- {kind}: {_p(timings)}, found {found}/{len(asked[kind])}")
    return rows


def fts5_trigram_rows(docs: list[dict[str, Any]], asked: dict[str, list[str]]) -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "trigram.db"
        connection = sqlite3.connect(path)
        started = time.perf_counter()
        connection.execute("CREATE VIRTUAL TABLE t USING fts5(title, people, body, tokenize='trigram')")
        connection.executemany(
            "INSERT INTO t VALUES (?, ?, ?)", ((d["title"], _people(d), d["description"]) for d in docs)
        )
        connection.commit()
        build = time.perf_counter() - started
        size = path.stat().st_size / 2**20

        def substring(text: str) -> Any:
            phrase = '"' + text.strip().replace('"', "") + '"'
            return connection.execute("SELECT rowid FROM t WHERE t MATCH ? LIMIT 20", (phrase,)).fetchall()

        rows = [f"SQLite FTS5 trigram: build {build:.1f} s, {size:.0f} MiB on disk; p50 / p95 ms:"]
        for kind in ("exact", "prefix", "substring", "one typo"):
            timings, found = _time(substring, [t for t in asked[kind] if len(t.strip()) >= 3])
            rows.append(f"- {kind}: {_p(timings)}, found {found}/{len(asked[kind])}")
        connection.close()
    return rows


def measure_alternatives(docs: list[dict[str, Any]], asked: dict[str, list[str]]) -> list[str]:
    rows = [f"Alternatives on the same titles and queries (load average {os.getloadavg()[0]:.2f}):", ""]
    rows += tantivy_rows(docs, asked)
    rows += ["", *fts5_trigram_rows(docs, asked)]
    return rows
