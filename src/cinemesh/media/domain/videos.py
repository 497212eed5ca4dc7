"""Entities and rules of the media service: video states, probe verdicts, the ABR ladder. No I/O."""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cinemesh.media import layout


class VideoStatus(enum.StrEnum):
    UPLOADING = "uploading"
    QUEUED = "queued"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class BadMediaError(Exception):
    """The file itself is unusable (not a video, corrupt, out of limits): retrying cannot help."""


# Tracks beyond these are ignored: a file with 200 audio streams must not make 200 renditions.
MAX_AUDIO_TRACKS = 8
MAX_SUBTITLE_TRACKS = 16
# Text subtitle codecs ffmpeg can turn into WebVTT; bitmap ones (PGS, DVD, DVB) would need OCR.
TEXT_SUBTITLE_CODECS = frozenset({"subrip", "srt", "mov_text", "ass", "ssa", "webvtt", "text"})

# ISO 639-2 (what containers tag) to the two-letter BCP 47 subtag HLS and DASH manifests want,
# and an English name for menus, for the languages common in catalogues; other codes pass
# through unchanged (a three-letter code is a valid BCP 47 language subtag).
_LANGUAGES = {
    "ara": ("ar", "Arabic"), "chi": ("zh", "Chinese"), "zho": ("zh", "Chinese"),
    "cze": ("cs", "Czech"), "ces": ("cs", "Czech"), "dan": ("da", "Danish"),
    "dut": ("nl", "Dutch"), "nld": ("nl", "Dutch"), "eng": ("en", "English"),
    "fin": ("fi", "Finnish"), "fra": ("fr", "French"), "fre": ("fr", "French"),
    "ger": ("de", "German"), "deu": ("de", "German"), "gre": ("el", "Greek"), "ell": ("el", "Greek"),
    "heb": ("he", "Hebrew"), "hin": ("hi", "Hindi"), "hun": ("hu", "Hungarian"),
    "ind": ("id", "Indonesian"), "ita": ("it", "Italian"), "jpn": ("ja", "Japanese"),
    "kor": ("ko", "Korean"), "nor": ("no", "Norwegian"), "pol": ("pl", "Polish"),
    "por": ("pt", "Portuguese"), "rum": ("ro", "Romanian"), "ron": ("ro", "Romanian"),
    "rus": ("ru", "Russian"), "spa": ("es", "Spanish"), "swe": ("sv", "Swedish"),
    "tha": ("th", "Thai"), "tur": ("tr", "Turkish"), "ukr": ("uk", "Ukrainian"),
    "vie": ("vi", "Vietnamese"),
}  # fmt: skip
_NAMES = {code: name for code, name in _LANGUAGES.values()}


def manifest_language(tag: str | None) -> str:
    """The BCP 47 language of a stream's `language` tag; "und" when untagged or malformed."""
    code = (tag or "").strip().lower()
    if not code.isascii() or not code.isalpha() or not 2 <= len(code) <= 3:
        return "und"
    return _LANGUAGES[code][0] if code in _LANGUAGES else code


@dataclass(frozen=True)
class AudioTrack:
    """An audio stream of the source that becomes one AAC rendition (`key` is its directory)."""

    key: str
    language: str  # BCP 47
    name: str
    stream: int  # position among the source's audio streams (ffmpeg's `0:a:N`)


@dataclass(frozen=True)
class SubtitleTrack:
    """A text subtitle stream of the source that becomes one WebVTT file."""

    key: str
    language: str  # BCP 47
    name: str
    stream: int  # position among the source's subtitle streams (ffmpeg's `0:s:N`)


audio_key = layout.audio_dir
subtitle_key = layout.subtitle_dir


@dataclass(frozen=True)
class ProbeResult:
    """What a probe learned about a source file; dimensions are as displayed (after rotation)."""

    container: str
    duration_seconds: float
    width: int
    height: int
    frame_rate: float
    video_codec: str
    rotation: int
    has_audio: bool
    audio_codec: str | None = None
    # (language tag, title) of each audio stream and of each text subtitle stream, in order.
    audio_streams: tuple[tuple[str | None, str | None], ...] = ()
    subtitle_streams: tuple[tuple[str | None, str | None, int], ...] = ()

    @property
    def audio_tracks(self) -> list[AudioTrack]:
        streams = (self.audio_streams or ((None, None),)) if self.has_audio else ()
        return [
            AudioTrack(audio_key(i), manifest_language(tag), title or _language_name(tag, i), i)
            for i, (tag, title) in enumerate(streams[:MAX_AUDIO_TRACKS])
        ]

    @property
    def subtitle_tracks(self) -> list[SubtitleTrack]:
        return [
            SubtitleTrack(subtitle_key(i), manifest_language(tag), title or _language_name(tag, i), stream)
            for i, (tag, title, stream) in enumerate(self.subtitle_streams[:MAX_SUBTITLE_TRACKS])
        ]

    def stored(self) -> dict[str, Any]:
        """For the `videos.probe` JSON column: the upload's probe, reused by the job."""
        return dataclasses.asdict(self)

    @classmethod
    def from_stored(cls, data: Mapping[str, Any] | None) -> ProbeResult | None:
        """Back from `stored()` (JSON made its tuples lists); None if absent or of another shape."""
        if not data:
            return None
        names = {field.name for field in dataclasses.fields(cls)}
        values = {name: value for name, value in data.items() if name in names}
        for name in ("audio_streams", "subtitle_streams"):
            values[name] = tuple(tuple(stream) for stream in values.get(name) or ())
        try:
            return cls(**values)
        except TypeError:
            return None

    @property
    def portrait(self) -> bool:
        return self.height > self.width

    @property
    def short_side(self) -> int:
        return min(self.width, self.height)


def _language_name(tag: str | None, position: int) -> str:
    language = manifest_language(tag)
    if language == "und":
        return "Main" if position == 0 else f"Track {position + 1}"
    return _NAMES.get(language, language)


@dataclass(frozen=True)
class Limits:
    max_duration_seconds: float
    max_width: int
    max_height: int


def check_probe(probe: ProbeResult, limits: Limits) -> None:
    """Raises `BadMediaError` naming the first limit the source breaks."""
    if not math.isfinite(probe.duration_seconds) or probe.duration_seconds <= 0:
        raise BadMediaError("the video has no measurable duration")
    if probe.duration_seconds > limits.max_duration_seconds:
        raise BadMediaError(
            f"the video lasts {probe.duration_seconds:.0f} s; "
            f"the limit is {limits.max_duration_seconds:.0f} s"
        )
    if probe.width < 16 or probe.height < 16:
        raise BadMediaError(f"the video is {probe.width}x{probe.height}; both sides must be at least 16 px")
    long_side, short_side = max(probe.width, probe.height), min(probe.width, probe.height)
    if long_side > max(limits.max_width, limits.max_height) or short_side > min(
        limits.max_width, limits.max_height
    ):
        raise BadMediaError(
            f"the video is {probe.width}x{probe.height}; the limit is {limits.max_width}x{limits.max_height}"
        )
    if long_side / short_side > 8:
        raise BadMediaError(f"the video's aspect ratio {probe.width}x{probe.height} is absurd (over 8:1)")


# How far an encoded rendition may fall short of the probed duration before the source counts as
# truncated: 1 s covers frame and audio-priming rounding in short clips, 1 % a container whose
# declared length runs past its last decodable frame by a little in long ones.
DURATION_SHORTFALL_SECONDS = 1.0
DURATION_SHORTFALL_SHARE = 0.01


def check_encoded_duration(probed_seconds: float, encoded_seconds: float) -> None:
    """Raises `BadMediaError` when the encode came out shorter than the source claims: a file
    whose header promises more than its data holds (a faststart mp4 cut off mid-upload) probes
    fine, and ffmpeg stops at the end of the data without an error."""
    allowed = max(DURATION_SHORTFALL_SECONDS, DURATION_SHORTFALL_SHARE * probed_seconds)
    if probed_seconds - encoded_seconds > allowed:
        raise BadMediaError(
            f"the source is truncated or damaged: only {encoded_seconds:.1f} s of its "
            f"{probed_seconds:.1f} s could be decoded"
        )


@dataclass(frozen=True)
class Rung:
    """One rendition of the ladder. `name` is its nominal height (the short side for portrait)."""

    name: int
    width: int
    height: int
    target_kbps: int
    max_kbps: int

    @property
    def key(self) -> str:
        return layout.rung_dir(self.name)

    @property
    def bufsize_kbps(self) -> int:
        return self.max_kbps * 2


# Nominal short side -> H.264 target kbit/s at 30 fps (capped CRF: the cap is 1.5x the target).
LADDER_KBPS: dict[int, int] = {2160: 14000, 1440: 8000, 1080: 5000, 720: 2800, 480: 1400, 360: 800, 240: 400}
AUDIO_KBPS = 128


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def plan_ladder(probe: ProbeResult, heights: Iterable[int] = LADDER_KBPS) -> list[Rung]:
    """Rungs (of `heights`, a subset of the standard ones) up to the source's short side, never
    upscaled, lowest first. A source smaller than the lowest rung gets one rung at its own size.
    """
    short, long_ = probe.short_side, max(probe.width, probe.height)
    fps_factor = 1.5 if probe.frame_rate > 40 else 1.0
    names = sorted(name for name in set(heights) if name in LADDER_KBPS and name <= short)
    rungs: list[Rung] = []
    for name in names:
        scaled_long = _even(long_ * name / short)
        width, height = (name, scaled_long) if probe.portrait else (scaled_long, name)
        target = int(LADDER_KBPS[name] * fps_factor)
        rungs.append(Rung(name, _even(width), _even(height), target, int(target * 1.5)))
    if not rungs:
        width, height = probe.width // 2 * 2, probe.height // 2 * 2
        target = LADDER_KBPS[240]
        rungs.append(Rung(min(width, height), width, height, target, int(target * 1.5)))
    return rungs


STANDARD_FRAME_RATES = (24000 / 1001, 24.0, 25.0, 30000 / 1001, 30.0, 48.0, 50.0, 60000 / 1001, 60.0)


def output_frame_rate(source_fps: float) -> float:
    """Constant frame rate of the ladder: the source's, capped at 60 (VFR sources are resampled).

    An average within 2 % of a broadcast rate is snapped to it: an edited or looped file often
    averages 24.87 fps when it was made at 25, and 25 is what players and GOP sizes expect.
    """
    if not math.isfinite(source_fps) or source_fps <= 0:
        return 30.0
    rate = min(source_fps, 60.0)
    nearest = min(STANDARD_FRAME_RATES, key=lambda standard: abs(standard - rate))
    return round(nearest if abs(nearest - rate) / nearest < 0.02 else rate, 3)


def h264_codec_string(profile_idc: int, constraints: int, level_idc: int) -> str:
    """RFC 6381 `avc1.PPCCLL` from the SPS bytes."""
    return f"avc1.{profile_idc:02x}{constraints:02x}{level_idc:02x}"
