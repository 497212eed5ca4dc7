"""`make bench`: the benchmarks in turn; each writes its own section of docs/benchmarks.md.

Run one with `.venv/bin/python -m bench.NAME`. By default the quick ones run; `python -m bench
all` adds the slow ones (the catalog benchmark generates 100k titles per database; the media one
transcodes a 30 s 1080p source several times).
"""

from __future__ import annotations

import subprocess
import sys
import time

QUICK = (
    "sharding",
    "events_bus",
    "platform_startup",
    "idle_cost",
    "login",
    "request_path",
    "delivery_origin",
    "web_startup",
)
SLOW = (
    "catalog_browse --backend sqlite",
    "catalog_browse --backend postgresql",
    "catalog_import",
    "catalog_replay",
    "media_pipeline",
    "analytics",
    "search",
    "gateway",
    "recommend",
)


def main(argv: list[str]) -> int:
    names = QUICK + SLOW if argv[:1] == ["all"] else (tuple(argv) or QUICK)
    failed = []
    for name in names:
        started = time.perf_counter()
        print(f"== bench.{name}", flush=True)
        # A process each: a benchmark's imports, threads and servers never skew the next one.
        module, *arguments = name.split()
        if subprocess.run([sys.executable, "-m", f"bench.{module}", *arguments], check=False).returncode != 0:
            failed.append(name)
        print(f"== bench.{name}: {time.perf_counter() - started:.0f} s", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
