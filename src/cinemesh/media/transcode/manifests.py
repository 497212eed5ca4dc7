"""HLS master playlist and DASH MPD over the same CMAF segments.

ffmpeg's hls muxer writes each rendition's fMP4 init segment, its media segments and its media
playlist. The master playlist and the MPD are written here, from those files, because both need
facts only known once a rung exists: its measured peak and average bitrate (BANDWIDTH,
AVERAGE-BANDWIDTH) and its exact RFC 6381 codec string read from the init segment. Writing them
ourselves is also what lets the lowest rung be published alone first and the ladder later.
Nothing here re-encodes: encryption (CENC/cbcs) can be applied to these segments at packaging
or at the origin.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from cinemesh.media import layout
from cinemesh.media.domain.videos import AudioTrack, SubtitleTrack, h264_codec_string

AAC_LC = "mp4a.40.2"


@dataclass(frozen=True)
class Segment:
    uri: str
    duration: float
    size: int


@dataclass(frozen=True)
class PackagedTrack:
    """One packaged rendition (a video rung or the audio), as its directory describes it."""

    directory: str  # relative to the video's prefix, e.g. "v720" or "audio"
    segments: list[Segment]
    codecs: str
    width: int = 0
    height: int = 0
    frame_rate: float = 0.0
    language: str = "und"  # audio: BCP 47
    name: str = ""  # audio: what a player's menu shows

    @property
    def duration(self) -> float:
        return sum(segment.duration for segment in self.segments)

    @property
    def peak_bitrate(self) -> int:
        return max((math.ceil(s.size * 8 / s.duration) for s in self.segments if s.duration > 0), default=0)

    @property
    def average_bitrate(self) -> int:
        total = self.duration
        return math.ceil(sum(s.size for s in self.segments) * 8 / total) if total > 0 else 0


def read_media_playlist(directory: Path) -> list[Segment]:
    segments: list[Segment] = []
    duration: float | None = None
    for line in (directory / layout.PLAYLIST).read_text().splitlines():
        if line.startswith("#EXTINF:"):
            duration = float(line.removeprefix("#EXTINF:").split(",")[0])
        elif line and not line.startswith("#") and duration is not None:
            segments.append(Segment(line, duration, (directory / line).stat().st_size))
            duration = None
    if not segments:
        raise ValueError(f"{directory / layout.PLAYLIST} lists no segments")
    return segments


def avc_codec_of(init_segment: Path) -> str:
    """`avc1.PPCCLL` from the avcC box of an fMP4 init segment."""
    data = init_segment.read_bytes()
    at = data.find(b"avcC")
    if at < 0 or len(data) < at + 8:
        raise ValueError(f"{init_segment} holds no avcC box")
    return h264_codec_string(data[at + 5], data[at + 6], data[at + 7])


def video_track(root: Path, directory: str, *, width: int, height: int, frame_rate: float) -> PackagedTrack:
    path = root / directory
    return PackagedTrack(
        directory=directory,
        segments=read_media_playlist(path),
        codecs=avc_codec_of(path / layout.INIT_SEGMENT),
        width=width,
        height=height,
        frame_rate=frame_rate,
    )


def audio_track(root: Path, track: AudioTrack) -> PackagedTrack:
    return PackagedTrack(
        directory=track.key,
        segments=read_media_playlist(root / track.key),
        codecs=AAC_LC,
        language=track.language,
        name=track.name,
    )


def subtitle_playlist(root: Path, track: SubtitleTrack, *, duration_seconds: float) -> None:
    """`{key}/index.m3u8`: the whole WebVTT file as the one segment of an HLS subtitle playlist."""
    target = max(1, math.ceil(duration_seconds))
    (root / layout.playlist(track.key)).write_text(
        "#EXTM3U\n#EXT-X-VERSION:7\n"
        f"#EXT-X-TARGETDURATION:{target}\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-MEDIA-SEQUENCE:0\n"
        f"#EXTINF:{duration_seconds:.3f},\n{layout.SUBTITLES}\n#EXT-X-ENDLIST\n"
    )


def _quoted(value: str) -> str:
    # HLS quoted strings cannot hold '"' or line breaks.
    return '"' + "".join(c for c in value if c not in '"\r\n') + '"'


def _peak_audio(audios: list[PackagedTrack]) -> PackagedTrack | None:
    """The audio rendition that costs the most: what a variant's BANDWIDTH must allow for."""
    return max(audios, key=lambda track: track.peak_bitrate, default=None)


def hls_master(
    videos: list[PackagedTrack], audios: list[PackagedTrack], subtitles: list[SubtitleTrack] | None = None
) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for position, track in enumerate(audios):
        default = "YES" if position == 0 else "NO"
        lines.append(
            f'#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME={_quoted(track.name or track.language)},'
            f'LANGUAGE="{track.language}",DEFAULT={default},AUTOSELECT=YES,CHANNELS="2",'
            f'URI="{layout.playlist(track.directory)}"'
        )
    for text in subtitles or []:
        lines.append(
            f'#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME={_quoted(text.name)},'
            f'LANGUAGE="{text.language}",DEFAULT=NO,AUTOSELECT=YES,URI="{layout.playlist(text.key)}"'
        )
    audio = _peak_audio(audios)
    for video in sorted(videos, key=lambda track: track.height * track.width):
        peak, average, codecs = video.peak_bitrate, video.average_bitrate, video.codecs
        if audio is not None:
            peak, average, codecs = (
                peak + audio.peak_bitrate,
                average + audio.average_bitrate,
                f"{codecs},{audio.codecs}",
            )
        attributes = [
            f"BANDWIDTH={peak}",
            f"AVERAGE-BANDWIDTH={average}",
            f'CODECS="{codecs}"',
            f"RESOLUTION={video.width}x{video.height}",
            f"FRAME-RATE={video.frame_rate:.3f}",
        ]
        if audio is not None:
            attributes.append('AUDIO="audio"')
        if subtitles:
            attributes.append('SUBTITLES="subs"')
        lines += ["#EXT-X-STREAM-INF:" + ",".join(attributes), layout.playlist(video.directory)]
    return "\n".join(lines) + "\n"


def _iso_duration(seconds: float) -> str:
    return f"PT{seconds:.3f}S"


def _segment_list(track: PackagedTrack, timescale: int = 1000) -> list[str]:
    lines = [f'        <SegmentList timescale="{timescale}">', "          <SegmentTimeline>"]
    start = 0
    for segment in track.segments:
        duration = round(segment.duration * timescale)
        lines.append(f'            <S t="{start}" d="{duration}"/>')
        start += duration
    lines.append("          </SegmentTimeline>")
    lines.append(f"          <Initialization sourceURL={quoteattr(layout.init_segment(track.directory))}/>")
    lines += [
        f"          <SegmentURL media={quoteattr(layout.in_directory(track.directory, s.uri))}/>"
        for s in track.segments
    ]
    lines.append("        </SegmentList>")
    return lines


def dash_mpd(
    videos: list[PackagedTrack], audios: list[PackagedTrack], subtitles: list[SubtitleTrack] | None = None
) -> str:
    """A static (VOD) MPD, ISO BMFF live profile: one video adaptation set, one per audio
    language, one per subtitle track (the whole WebVTT file as its one segment)."""
    duration = max(track.duration for track in [*videos, *audios])
    max_segment = max(s.duration for track in videos for s in track.segments)
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011" '
        f'type="static" mediaPresentationDuration="{_iso_duration(duration)}" '
        f'maxSegmentDuration="{_iso_duration(max_segment)}" minBufferTime="PT4S">',
        '  <Period id="0" start="PT0S">',
        '    <AdaptationSet id="0" contentType="video" mimeType="video/mp4" segmentAlignment="true" '
        'startWithSAP="1">',
    ]
    for video in sorted(videos, key=lambda track: track.height * track.width):
        lines.append(
            f'      <Representation id="{video.directory}" codecs="{video.codecs}" '
            f'bandwidth="{video.peak_bitrate}" width="{video.width}" height="{video.height}" '
            f'frameRate="{_frame_rate(video.frame_rate)}" sar="1:1">'
        )
        lines += _segment_list(video)
        lines.append("      </Representation>")
    lines.append("    </AdaptationSet>")
    for position, audio in enumerate(audios, start=1):
        role = "main" if position == 1 else "alternate"
        lines += [
            f'    <AdaptationSet id="{position}" contentType="audio" mimeType="audio/mp4" '
            f'lang="{audio.language}" segmentAlignment="true" startWithSAP="1">',
            f'      <Role schemeIdUri="urn:mpeg:dash:role:2011" value="{role}"/>',
            f"      <Label>{escape(audio.name or audio.language)}</Label>",
            f'      <Representation id="{audio.directory}" codecs="{audio.codecs}" '
            f'bandwidth="{audio.peak_bitrate}" audioSamplingRate="48000">',
            "        <AudioChannelConfiguration "
            'schemeIdUri="urn:mpeg:dash:23003:3:audio_channel_configuration:2011" value="2"/>',
            *_segment_list(audio),
            "      </Representation>",
            "    </AdaptationSet>",
        ]
    for position, text in enumerate(subtitles or [], start=len(audios) + 1):
        milliseconds = round(duration * 1000)
        lines += [
            f'    <AdaptationSet id="{position}" contentType="text" mimeType="text/vtt" '
            f'lang="{text.language}">',
            '      <Role schemeIdUri="urn:mpeg:dash:role:2011" value="subtitle"/>',
            f"      <Label>{escape(text.name)}</Label>",
            f'      <Representation id="{text.key}" bandwidth="256">',
            f'        <SegmentList timescale="1000" duration="{milliseconds}">',
            f"          <SegmentURL media={quoteattr(layout.subtitles(text.key))}/>",
            "        </SegmentList>",
            "      </Representation>",
            "    </AdaptationSet>",
        ]
    lines += ["  </Period>", "</MPD>"]
    return "\n".join(lines) + "\n"


def _frame_rate(rate: float) -> str:
    if abs(rate - round(rate)) < 1e-3:
        return str(round(rate))
    for base in (24, 30, 60):
        if abs(rate - base * 1000 / 1001) < 1e-2:
            return f"{base * 1000}/1001"
    return f"{round(rate * 1000)}/1000"
