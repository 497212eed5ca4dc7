"""What a process tree uses, read from /proc: resident memory and CPU time."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path


def tree_pids(pid: int) -> Iterator[int]:
    """`pid` and all its descendants (those alive while walking)."""
    pending = [pid]
    while pending:
        current = pending.pop()
        yield current
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(child) for child in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            continue


def tree_rss_kib(pid: int) -> int:
    total = 0
    for current in tree_pids(pid):
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total


def tree_cpu_seconds(pid: int) -> float:
    """User plus system CPU time of the tree so far (utime and stime of /proc/PID/stat)."""
    ticks = 0
    for current in tree_pids(pid):
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"
