"""Fails when a Python module passes the house limit of 300 lines (migrations excepted).

A module past ~300 lines has usually grown a second concept; split it by concept rather than
raise the limit. Run by `make lint` (and so by `make check` and `make test`).
"""

from __future__ import annotations

import sys
from pathlib import Path

LIMIT = 300
ROOTS = ("src", "tests", "bench")


def oversized(root: Path) -> list[tuple[int, Path]]:
    found = []
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts or ".venv" in path.parts:
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > LIMIT:
            found.append((lines, path))
    return found


def main(argv: list[str]) -> int:
    base = Path(argv[1]) if len(argv) > 1 else Path.cwd()
    offenders = [item for root in ROOTS for item in oversized(base / root)]
    for lines, path in offenders:
        print(f"{path.relative_to(base)}: {lines} lines (limit {LIMIT}); split it by concept")
    return 1 if offenders else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
