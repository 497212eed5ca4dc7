"""`cinemesh ingest` and `cinemesh events tail` as a new self-hoster meets them: no server, another
port, no data dir - one clear line each, and a ready video ends with the step left (publish)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cinemesh.cli import app
from cinemesh.media.cli import ready_message


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\x00" * 64)
    return path


def test_ingest_without_a_server_is_one_line_naming_the_port_of_cinemesh_port(
    clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()  # nothing listens there
    monkeypatch.delenv("CINEMESH_URL", raising=False)
    monkeypatch.setenv("CINEMESH_PORT", str(port))
    result = CliRunner().invoke(app, ["ingest", str(clip), "--title", "Clip", "--token", "t"])
    assert result.exit_code == 1
    output = result.output.strip()
    assert len(output.splitlines()) == 1, output  # not a traceback
    assert f"http://127.0.0.1:{port}" in output and "cinemesh up" in output
    assert "Traceback" not in output


def test_a_ready_video_ends_with_urls_and_how_to_publish() -> None:
    video = {
        "renditions": [{"height": 240}, {"height": 360}],
        "manifests": {"hls": "media/v/hls/master.m3u8"},
    }
    message = ready_message("http://127.0.0.1:9000", "t-1", video)
    assert "240p, 360p" in message
    assert "http://127.0.0.1:9000/admin/title/t-1" in message
    assert "publish" in message.lower() and "/api/v1/titles/t-1/publish" in message
    assert "http://127.0.0.1:9000/title/t-1" in message
    assert "media/v/hls/master.m3u8" not in message  # an object key is no use to a person


def test_events_tail_without_an_event_log_is_an_error_not_a_silent_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CINEMESH_DATA_DIR", raising=False)
    monkeypatch.delenv("CINEMESH_EVENT_BUS", raising=False)
    result = CliRunner().invoke(app, ["events", "tail", "catalog.title", "--follow"])
    assert result.exit_code == 1
    assert "no event log" in result.output and "--data-dir" in result.output
    assert not (tmp_path / "data" / "events.db").exists()  # nothing created in the cwd
