"""`cinemesh up` on a fresh data directory runs on a generated secret and says so (issue 20.3)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from cinemesh.cli import _export
from cinemesh.platform.secret_file import secret_file
from cinemesh.platform.settings import DEV_SECRET
from tests.fixtures._net import free_port, wait_until

CINEMESH = str(Path(sys.executable).with_name("cinemesh"))


def test_the_settings_the_server_reads_carry_the_data_directorys_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Also the ones _export sets, so that they are removed again after the test.
    exported = ("CINEMESH_SECRET_KEY", "CINEMESH_DATA_DIR", "CINEMESH_HOST", "CINEMESH_PORT")
    for key in {*exported, *(key for key in os.environ if key.startswith("CINEMESH_"))}:
        monkeypatch.setenv(key, "")  # recorded: undone (removed or restored) after the test
        monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)  # no .env from the repository
    settings = _export(None, None, tmp_path / "data")
    secret = settings.secret_key.get_secret_value()
    assert secret != DEV_SECRET
    assert secret == secret_file(tmp_path / "data").read_text().strip()
    assert os.environ["CINEMESH_SECRET_KEY"] == secret  # what granian's worker process inherits


def test_no_cinemesh_variable_leaks_from_the_test_above() -> None:
    assert "CINEMESH_SECRET_KEY" not in os.environ


def test_cinemesh_up_generates_its_secret_and_the_banner_says_so(tmp_path: Path) -> None:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("CINEMESH_")}
    env.update(
        CINEMESH_DATA_DIR=str(tmp_path / "data"),
        CINEMESH_PORT=str(port),
        CINEMESH_DEMO="false",
        CINEMESH_LOG_LEVEL="WARNING",
        CINEMESH_ADMIN_PASSWORD="admin-password-for-tests",
    )
    log = tmp_path / "up.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [CINEMESH, "up"], env=env, cwd=tmp_path, stdout=output, stderr=subprocess.STDOUT
        )
        try:

            def ready() -> bool:
                try:
                    return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200
                except httpx.HTTPError:
                    return process.poll() is not None

            assert wait_until(ready, timeout=180, interval=0.2), log.read_text()
            assert process.poll() is None, log.read_text()
            assert wait_until(lambda: "cinemesh is up" in log.read_text(), timeout=30)
        finally:
            process.terminate()
            process.wait(timeout=30)
    path = secret_file(tmp_path / "data")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = " ".join(log.read_text().split())  # rich wraps long lines
    assert "Secret: generated, kept in" in text and "Mode: development" in text
    assert "built-in" not in text and path.read_text().strip() not in text
