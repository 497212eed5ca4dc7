"""An idle `cinemesh up`: CPU used while nobody calls it, against an idle minimal app.

A self-hosted server on a small box spends most of its life idle, so what it burns then is a
running cost. Baseline: the one-route Starlette app of `platform_startup` on the same granian
setup, measured in the same run. Goal: `cinemesh up` <= 1 % of a core when idle.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from tests.fixtures._net import free_port

from bench._proc import load_average, tree_cpu_seconds
from bench._report import write_section
from bench.platform_startup import BASELINE_APP, CINEMESH

SETTLE_SECONDS = 10.0  # after ready: migrations, key loading and first-admin work are over
WINDOW_SECONDS = 30.0


def _idle_share(command: list[str], env: dict[str, str], port: int) -> float:
    """The share of one core the process tree uses over WINDOW_SECONDS of idleness."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{command} exited with {process.returncode}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=0.5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        time.sleep(SETTLE_SECONDS)
        before = tree_cpu_seconds(process.pid)
        time.sleep(WINDOW_SECONDS)
        return (tree_cpu_seconds(process.pid) - before) / WINDOW_SECONDS
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    env_base = {k: v for k, v in os.environ.items() if not k.startswith("CINEMESH_")}
    with tempfile.TemporaryDirectory() as scratch:
        app_dir = Path(scratch) / "baseline"
        app_dir.mkdir()
        (app_dir / "baseline_app.py").write_text(BASELINE_APP)
        port = free_port()
        granian = [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--port", str(port)]
        baseline = _idle_share(
            [*granian, "baseline_app:create"], {**env_base, "PYTHONPATH": str(app_dir)}, port
        )
        baseline_load = load_average()
        port = free_port()
        env = {
            **env_base,
            "CINEMESH_PORT": str(port),
            "CINEMESH_DATA_DIR": str(Path(scratch) / "data"),
            "CINEMESH_LOG_LEVEL": "WARNING",
            "CINEMESH_DEMO": "false",
        }
        cinemesh = _idle_share([CINEMESH, "up"], env, port)
        cinemesh_load = load_average()
    table = "\n".join(
        [
            "| idle process tree | CPU, share of one core | load average (1/5/15 min) |",
            "|---|---|---|",
            f"| baseline: one-route Starlette on granian | {baseline:.2%} | {baseline_load} |",
            f"| `cinemesh up`, empty platform | {cinemesh:.2%} | {cinemesh_load} |",
        ]
    )
    print(table)
    write_section(
        "idle_cost",
        "## Idle cost of `cinemesh up`\n\n"
        f"CPU time (user + system, from /proc) of the whole process tree over {WINDOW_SECONDS:.0f} s with "
        f"no request, {SETTLE_SECONDS:.0f} s after it answered ready. Goal: <= 1 % of a core.\n\n" + table,
    )


if __name__ == "__main__":
    main()
