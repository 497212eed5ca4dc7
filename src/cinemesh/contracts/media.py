"""Events the media (video processing) service publishes.

Object keys are relative to the object store the media service writes to; the delivery service
reads the same store. Every key of one video lives under `storage_prefix`.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from cinemesh.contracts.events import EventContract

MEDIA_TOPIC = "media.video"

# What an upload is to its title (tus `Upload-Metadata: kind`): its own video ("feature": the
# movie, or the episode), or one of its trailers. Events of producers older than the field parse
# as "feature", which is what every upload was before. A plain string rather than a Literal: a
# kind added later must not make older consumers fail to parse the event (they skip it instead).
FEATURE = "feature"
TRAILER = "trailer"
VIDEO_KINDS = (FEATURE, TRAILER)


class UploadCompletedV1(EventContract):
    event_type = "media.upload.completed.v1"
    topic = MEDIA_TOPIC
    subject_field = "video_id"

    video_id: str
    title_id: str
    uploaded_by: str
    filename: str | None
    size_bytes: int
    completed_at: dt.datetime
    kind: str = FEATURE


class JobProgressV1(EventContract):
    event_type = "media.job.progress.v1"
    topic = MEDIA_TOPIC
    subject_field = "video_id"

    video_id: str
    title_id: str
    stage: str  # probing, transcoding, packaging, thumbnails, quality, done
    percent: float


class Rendition(BaseModel):
    height: int
    width: int
    bitrate: int  # peak bits per second, as in the HLS BANDWIDTH attribute
    average_bitrate: int
    codecs: str  # RFC 6381, e.g. "avc1.640028,mp4a.40.2"
    frame_rate: float
    vmaf: float | None = None
    playlist_key: str  # the rendition's HLS media playlist
    init_key: str  # its CMAF init segment


class AudioTrack(BaseModel):
    """One audio language of the video (AAC-LC stereo); every rendition can play with any."""

    language: str  # BCP 47, "und" when the source did not say
    name: str
    playlist_key: str


class SubtitleTrack(BaseModel):
    """One text subtitle track, as one WebVTT file (and an HLS playlist naming it)."""

    language: str  # BCP 47
    name: str
    vtt_key: str
    playlist_key: str


class VideoTranscodedV1(EventContract):
    """A video is playable. Published first with the lowest rung (`complete` false), then again
    with the full ladder (`complete` true); consumers keep the latest per video.

    The keys here are the whole object contract: every object of the video lies under
    `storage_prefix` (ends with `/`), and a consumer reads only the keys given (manifests,
    playlists, init segments, thumbnails, poster, preview, tracks) and what those manifests
    reference. Media's layout under the prefix is its own (`media/layout.py`) and may change."""

    event_type = "media.video.transcoded.v1"
    topic = MEDIA_TOPIC
    subject_field = "video_id"

    video_id: str
    title_id: str
    duration_seconds: float
    storage_prefix: str
    hls_master_key: str
    dash_manifest_key: str | None
    renditions: list[Rendition]
    complete: bool
    thumbnails_vtt_key: str | None = None
    poster_key: str | None = None
    preview_key: str | None = None
    audio_codecs: str | None = None
    audio_tracks: list[AudioTrack] = []
    subtitle_tracks: list[SubtitleTrack] = []
    transcoded_at: dt.datetime
    kind: str = FEATURE


class VideoFailedV1(EventContract):
    event_type = "media.video.failed.v1"
    topic = MEDIA_TOPIC
    subject_field = "video_id"

    video_id: str
    title_id: str
    reason: str
    permanent: bool
    failed_at: dt.datetime
    kind: str = FEATURE
