"""One attempt at one transcoding job: from the stored source to a published ladder.

Stages: probe -> two encoding passes side by side: the first rung (+ audio), published as soon as
it is done, and (at a lower CPU priority) the other rungs, sprites, poster candidates, preview ->
VMAF -> publish the full ladder. Each publication is recorded in the same
transaction as its outbox event and guarded by `videos.published`, and every key is
deterministic; so after a crash the next attempt skips what was already announced (the first
rung is fetched back from the store for the final manifests) and nothing is announced twice.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cinemesh.contracts.media import AudioTrack, Rendition, SubtitleTrack, VideoTranscodedV1
from cinemesh.contracts.publishing import record_event
from cinemesh.media.domain import (
    BadMediaError,
    Limits,
    VideoStatus,
    check_encoded_duration,
    check_probe,
)
from cinemesh.media.intake import SOURCE, source_key
from cinemesh.media.jobs import queue
from cinemesh.media.objects import download_prefix, fetch_object, files_under, upload_files, video_prefix
from cinemesh.media.settings import MediaSettings
from cinemesh.media.store import PUBLISHED_COMPLETE, PUBLISHED_FIRST_RUNG, VideoRow, VideoStore
from cinemesh.media.transcode import pipeline
from cinemesh.media.transcode.manifests import PackagedTrack
from cinemesh.media.transcode.probe import probe_file
from cinemesh.platform.db import Database
from cinemesh.platform.storage import ObjectStore

Report = Callable[[str, float], None]  # (stage, percent of the whole job)


class LeaseLostError(Exception):
    """Another worker owns the job now; this attempt must stop without writing anything."""


class ScratchSpaceError(Exception):
    """Not enough local disk to work on this source now (transient)."""


class TranscodeRunner:
    def __init__(
        self, *, database: Database, store: ObjectStore, settings: MediaSettings, work_root: Path
    ) -> None:
        self.database = database
        self.store = store
        self.settings = settings
        self.work_root = work_root

    async def run(self, job: queue.ClaimedJob, report: Report) -> None:
        async with self.database.session() as session:
            video = await VideoStore(session).get(job.video_id)
        if video is None:
            raise BadMediaError("the video was deleted")
        # One directory per attempt: an earlier attempt's ffmpeg may still be dying.
        work = self.work_root / f"{job.video_id}-{job.attempt}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        try:
            await self._run(job, video, work, report)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    async def _run(self, job: queue.ClaimedJob, video: VideoRow, work: Path, report: Report) -> None:
        ffmpeg = self.settings.ffmpeg()
        report("probing", 0.0)
        source = await fetch_object(self.store, source_key(video.id), work / "source")
        self._require_scratch(source)
        probe = await probe_file(source, timeout_seconds=self.settings.probe_timeout_seconds)
        s = self.settings
        check_probe(probe, Limits(s.max_duration_seconds, s.max_width, s.max_height))
        ladder = pipeline.plan(probe, self.settings)
        out = work / "out"
        prefix = video_prefix(video.id)

        async def publish_first_rung() -> None:
            videos, audios = pipeline.write_manifests(ladder, out, [ladder.first])
            _check_durations(ladder, videos)  # before anything of it is playable
            uploads = [
                name for key in [ladder.first.key, *ladder.track_keys] for name in files_under(out, key)
            ]
            await upload_files(self.store, out, uploads, prefix=prefix)
            await upload_files(self.store, out, ["manifest.mpd", "master.m3u8"], prefix=prefix)
            await self._publish(job, video, ladder, videos, audios, complete=False, vmaf={})

        first_rung_needed = video.published < PUBLISHED_FIRST_RUNG
        if not first_rung_needed:
            # A previous attempt published the first rung: take it back instead of re-encoding.
            for directory in (ladder.first.key, *ladder.track_keys):
                await download_prefix(self.store, f"{prefix}/{directory}", out / directory)
        await pipeline.encode_ladder(
            ladder,
            ffmpeg=ffmpeg,
            source=source,
            out=out,
            first_rung_needed=first_rung_needed,
            early_first_rung=self.settings.early_first_rung,
            on_first_rung=publish_first_rung,
            on_progress=lambda done: report("transcoding", 2 + 78 * done),
            rest_niceness=self.settings.rest_pass_niceness,
        )
        report("thumbnails", 80.0)
        await pipeline.finish_extras(ladder, ffmpeg=ffmpeg, out=out)
        vmaf: dict[str, float] = {}
        if self.settings.vmaf:
            vmaf = await pipeline.measure_quality(
                ladder,
                ffmpeg=ffmpeg,
                source=source,
                out=out,
                subsample=self.settings.vmaf_subsample,
                on_progress=lambda done: report("quality", 82 + 15 * done),
            )
        report("packaging", 97.0)
        videos, audios = pipeline.write_manifests(ladder, out, ladder.rungs)
        _check_durations(ladder, videos)
        uploads = [name for rung in ladder.rest for name in files_under(out, rung.key)]
        uploads += [*files_under(out, "thumbs"), "poster.jpg", "preview.mp4"]
        await upload_files(self.store, out, uploads, prefix=prefix)
        await upload_files(self.store, out, ["manifest.mpd", "master.m3u8"], prefix=prefix)
        await self._publish(job, video, ladder, videos, audios, complete=True, vmaf=vmaf)
        if not self.settings.keep_originals:
            await self.store.delete(source_key(video.id))

    def _require_scratch(self, source: Path) -> None:
        free = shutil.disk_usage(self.work_root).free
        needed = 3 * source.stat().st_size + self.settings.min_free_disk_bytes
        if free < needed:
            raise ScratchSpaceError(f"needs {needed} bytes of scratch space, {free} free")

    async def _publish(
        self,
        job: queue.ClaimedJob,
        video: VideoRow,
        ladder: pipeline.LadderPlan,
        videos: list[PackagedTrack],
        audios: list[PackagedTrack],
        *,
        complete: bool,
        vmaf: dict[str, float],
    ) -> None:
        prefix = video_prefix(video.id)
        # A variant plays with one audio track at a time: its bitrate allows for the costliest.
        audio = max(audios, key=lambda track: track.peak_bitrate, default=None)
        event = VideoTranscodedV1(
            video_id=video.id,
            title_id=video.title_id,
            duration_seconds=round(ladder.probe.duration_seconds, 3),
            storage_prefix=prefix + "/",
            hls_master_key=f"{prefix}/master.m3u8",
            dash_manifest_key=f"{prefix}/manifest.mpd",
            renditions=[_rendition(prefix, track, audio, vmaf.get(track.directory)) for track in videos],
            complete=complete,
            thumbnails_vtt_key=f"{prefix}/thumbs/thumbnails.vtt" if complete else None,
            poster_key=f"{prefix}/poster.jpg" if complete else None,
            preview_key=f"{prefix}/preview.mp4" if complete else None,
            audio_codecs=audio.codecs if audio else None,
            audio_tracks=[
                AudioTrack(
                    language=a.language, name=a.name, playlist_key=f"{prefix}/{a.directory}/index.m3u8"
                )
                for a in audios
            ],
            subtitle_tracks=[
                SubtitleTrack(
                    language=t.language,
                    name=t.name,
                    vtt_key=f"{prefix}/{t.key}/subtitles.vtt",
                    playlist_key=f"{prefix}/{t.key}/index.m3u8",
                )
                for t in ladder.tracks.subtitles
            ],
            transcoded_at=dt.datetime.now(dt.UTC),
            kind=video.kind,  # the catalog lists a trailer instead of attaching it
        )
        stage = PUBLISHED_COMPLETE if complete else PUBLISHED_FIRST_RUNG
        async with self.database.transaction() as session:
            if not await queue.heartbeat(session, job, lease_seconds=self.settings.lease_seconds):
                raise LeaseLostError(job.job_id)
            videos_store = VideoStore(session)
            payload: dict[str, Any] = event.model_dump(mode="json")
            if await videos_store.mark_published(video.id, stage=stage, result=payload):
                await record_event(session, event, source=SOURCE)
            if complete:
                await videos_store.set_state(video.id, status=VideoStatus.READY, stage="done", progress=100.0)
                await queue.finish(session, job)


def _check_durations(ladder: pipeline.LadderPlan, videos: list[PackagedTrack]) -> None:
    """Every rung must last as long as the probe said (a permanent failure otherwise)."""
    for track in videos:
        check_encoded_duration(ladder.probe.duration_seconds, track.duration)


def _rendition(
    prefix: str, track: PackagedTrack, audio: PackagedTrack | None, vmaf: float | None
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
        playlist_key=f"{prefix}/{track.directory}/index.m3u8",
        init_key=f"{prefix}/{track.directory}/init.mp4",
    )
