"""The WebVTT trick-play index points every interval at the right tile."""

from __future__ import annotations

from pathlib import Path

import pytest

from cinemesh.media.transcode import thumbnails


def test_cues_walk_the_grid_and_roll_over_to_the_next_sheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(thumbnails, "image_size", lambda _: (3200, 1800))
    sheets = [tmp_path / "sprite_000.jpg", tmp_path / "sprite_001.jpg"]
    vtt = thumbnails.sprite_vtt(sheets, duration_seconds=1005)
    cues = [block.splitlines() for block in vtt.split("\n\n")[1:] if block.strip()]
    assert len(cues) == 101
    assert cues[0] == ["00:00:00.000 --> 00:00:10.000", "sprite_000.jpg#xywh=0,0,320,180"]
    assert cues[11][1] == "sprite_000.jpg#xywh=320,180,320,180"
    assert cues[100] == ["00:16:40.000 --> 00:16:45.000", "sprite_001.jpg#xywh=0,0,320,180"]
