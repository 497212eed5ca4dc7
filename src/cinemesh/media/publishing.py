"""What media announces, built here and recorded through the outbox in the transaction of the
change it announces: an upload completed, a job's progress, a video failed, a ladder transcoded.

Every object key a consumer reads is in `media.video.transcoded.v1` (from `media.layout`), so no
consumer has to know the layout: delivery serves and purges by the keys and the prefix it was given.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.contracts.events import EventContract
from cinemesh.contracts.media import (
    AudioTrack,
    JobProgressV1,
    Rendition,
    SubtitleTrack,
    UploadCompletedV1,
    VideoFailedV1,
    VideoTranscodedV1,
)
from cinemesh.contracts.publishing import record_event
from cinemesh.media import layout
from cinemesh.media.layout import VideoKeys
from cinemesh.media.store.videos import VideoRow
from cinemesh.media.transcode.manifests import PackagedTrack
from cinemesh.media.transcode.pipeline import Packaged

SOURCE = "cinemesh/media"


async def announce(session: AsyncSession, event: EventContract) -> None:
    """Records `event` in the outbox, in the session's transaction."""
    await record_event(session, event, source=SOURCE)


def upload_completed(video: VideoRow, *, completed_at: dt.datetime) -> UploadCompletedV1:
    return UploadCompletedV1(
        video_id=video.id,
        title_id=video.title_id,
        uploaded_by=video.owner_id,
        filename=video.filename,
        size_bytes=video.size_bytes,
        completed_at=completed_at,
        kind=video.kind,
    )


def video_failed(video: VideoRow, *, reason: str, permanent: bool, failed_at: dt.datetime) -> VideoFailedV1:
    # `kind`: a failed trailer must not set its title back.
    return VideoFailedV1(
        video_id=video.id,
        title_id=video.title_id,
        reason=reason,
        permanent=permanent,
        failed_at=failed_at,
        kind=video.kind,
    )


def job_progress(video: VideoRow, *, stage: str, percent: float) -> JobProgressV1:
    return JobProgressV1(video_id=video.id, title_id=video.title_id, stage=stage, percent=percent)


def transcoded_event(video: VideoRow, packaged: Packaged, *, complete: bool) -> VideoTranscodedV1:
    """The first rung (`complete` false) or the full ladder with its extras."""
    keys = VideoKeys(video.id)
    ladder = packaged.ladder
    # A variant plays with one audio track at a time: its bitrate allows for the costliest.
    audio = max(packaged.audios, key=lambda track: track.peak_bitrate, default=None)
    return VideoTranscodedV1(
        video_id=video.id,
        title_id=video.title_id,
        duration_seconds=round(ladder.probe.duration_seconds, 3),
        storage_prefix=keys.prefix,
        hls_master_key=keys.master,
        dash_manifest_key=keys.dash_manifest,
        renditions=[
            _rendition(keys, track, audio, packaged.vmaf.get(track.directory)) for track in packaged.videos
        ],
        complete=complete,
        thumbnails_vtt_key=keys.key(layout.THUMBNAILS_VTT) if complete else None,
        poster_key=keys.key(layout.POSTER) if complete else None,
        preview_key=keys.key(layout.PREVIEW) if complete else None,
        audio_codecs=audio.codecs if audio else None,
        audio_tracks=[
            AudioTrack(language=a.language, name=a.name, playlist_key=keys.key(layout.playlist(a.directory)))
            for a in packaged.audios
        ],
        subtitle_tracks=[
            SubtitleTrack(
                language=t.language,
                name=t.name,
                vtt_key=keys.key(layout.subtitles(t.key)),
                playlist_key=keys.key(layout.playlist(t.key)),
            )
            for t in ladder.tracks.subtitles
        ],
        transcoded_at=dt.datetime.now(dt.UTC),
        kind=video.kind,  # the catalog lists a trailer instead of attaching it
    )


def _rendition(
    keys: VideoKeys, track: PackagedTrack, audio: PackagedTrack | None, vmaf: float | None
) -> Rendition:
    audio_peak = audio.peak_bitrate if audio else 0
    audio_average = audio.average_bitrate if audio else 0
    return Rendition(
        height=track.height,
        width=track.width,
        bitrate=track.peak_bitrate + audio_peak,
        average_bitrate=track.average_bitrate + audio_average,
        codecs=f"{track.codecs},{audio.codecs}" if audio else track.codecs,
        frame_rate=track.frame_rate,
        vmaf=vmaf,
        playlist_key=keys.key(layout.playlist(track.directory)),
        init_key=keys.key(layout.init_segment(track.directory)),
    )
