"""Trick-play index (WebVTT over sprite sheets) and the poster pick.

The sprite sheets and poster candidates are written by the second encoding pass (same decode as
the ladder); this module only indexes and scores them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from cinemesh.media.transcode.commands import SPRITE_COLUMNS, SPRITE_INTERVAL_SECONDS, SPRITE_ROWS


def _timestamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def image_size(path: Path) -> tuple[int, int]:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return stream.codec_context.width, stream.codec_context.height


def sprite_vtt(sprites: list[Path], *, duration_seconds: float, url_prefix: str = "") -> str:
    """A WebVTT cue per interval pointing at its tile: `sprite_000.jpg#xywh=x,y,w,h`."""
    if not sprites:
        raise ValueError("no sprite sheets were produced")
    width, height = image_size(sprites[0])
    tile_w, tile_h = width // SPRITE_COLUMNS, height // SPRITE_ROWS
    per_sheet = SPRITE_COLUMNS * SPRITE_ROWS
    cues = min(math.ceil(duration_seconds / SPRITE_INTERVAL_SECONDS), per_sheet * len(sprites))
    lines = ["WEBVTT", ""]
    for index in range(cues):
        start = index * SPRITE_INTERVAL_SECONDS
        end = min(duration_seconds, start + SPRITE_INTERVAL_SECONDS)
        sheet, cell = divmod(index, per_sheet)
        row, column = divmod(cell, SPRITE_COLUMNS)
        lines.append(f"{_timestamp(start)} --> {_timestamp(end)}")
        lines.append(
            f"{url_prefix}{sprites[sheet].name}#xywh={column * tile_w},{row * tile_h},{tile_w},{tile_h}"
        )
        lines.append("")
    return "\n".join(lines)


@dataclass(frozen=True)
class PosterScore:
    path: Path
    sharpness: float
    brightness: float

    @property
    def score(self) -> float:
        # Mid-grey exposure scores 1, black or white frames (fades, title cards) near 0.
        exposure = max(0.0, 1.0 - abs(self.brightness - 118.0) / 118.0)
        return math.log1p(self.sharpness) * exposure


def score_poster(path: Path) -> PosterScore:
    import av
    import numpy as np

    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        luma = frame.to_ndarray(format="gray").astype(np.float32)
    # Variance of the Laplacian: high for in-focus detail, low for blur and flat frames.
    laplacian = luma[1:-1, :-2] + luma[1:-1, 2:] + luma[:-2, 1:-1] + luma[2:, 1:-1] - 4.0 * luma[1:-1, 1:-1]
    return PosterScore(path=path, sharpness=float(laplacian.var()), brightness=float(luma.mean()))


def best_poster(candidates: list[Path]) -> PosterScore:
    if not candidates:
        raise ValueError("no poster candidates were produced")
    return max((score_poster(path) for path in candidates), key=lambda scored: scored.score)
