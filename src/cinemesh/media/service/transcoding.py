"""One attempt at one transcoding job: from the stored source to a published ladder.

The work itself is `transcode.pipeline.package_file`, the sequence the benchmark measures: two
encoding passes side by side, the first rung (+ audio and subtitles) published as soon as it is
done, and (at a lower CPU priority) the other rungs, sprites, poster candidates, preview -> VMAF
-> the full ladder. This module adds what a job needs around it: the source fetched, the probe
the upload stored, uploads and publications at the pipeline's hooks. Each publication is
recorded in the same transaction as its outbox event and guarded by `videos.published`, and
every key is deterministic (`media.layout`); so after a crash the next attempt skips what was
already announced (the first rung is fetched back from the store for the final manifests) and
nothing is announced twice.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from cinemesh.media import layout
from cinemesh.media.domain.videos import BadMediaError, Limits, ProbeResult, VideoStatus, check_probe
from cinemesh.media.layout import VideoKeys
from cinemesh.media.publishing import announce, transcoded_event
from cinemesh.media.settings import MediaSettings
from cinemesh.media.store import queue
from cinemesh.media.store.objects import download_directory, fetch_object, files_under, upload_files
from cinemesh.media.store.videos import PUBLISHED_COMPLETE, PUBLISHED_FIRST_RUNG, VideoRow, VideoStore
from cinemesh.media.transcode import pipeline
from cinemesh.media.transcode.probe import probe_file
from cinemesh.platform.db import Database
from cinemesh.platform.storage import ObjectStore

Report = pipeline.Report  # (stage, percent of the whole job)


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
        keys, out = VideoKeys(video.id), work / "out"
        report("probing", 0.0)
        source = await fetch_object(self.store, keys.source, work / layout.SOURCE)
        self._require_scratch(source)
        probe = await job_probe(video, source, self.settings)

        async def publish_first_rung(packaged: pipeline.Packaged) -> None:
            ladder = packaged.ladder
            directories = [ladder.first.key, *ladder.track_keys]
            uploads = [name for directory in directories for name in files_under(out, directory)]
            await upload_files(self.store, out, uploads, keys=keys)
            await upload_files(self.store, out, list(layout.MANIFESTS), keys=keys)
            await self._publish(job, video, packaged, complete=False)

        async def fetch_first_rung(ladder: pipeline.LadderPlan) -> None:
            # A previous attempt published the first rung: take it back instead of re-encoding.
            for directory in (ladder.first.key, *ladder.track_keys):
                await download_directory(self.store, keys, directory, out)

        packaged = await pipeline.package_file(
            source,
            out,
            self.settings,
            job=pipeline.JobHooks(
                probe=probe,
                vmaf=self.settings.vmaf,
                publish_first_rung=publish_first_rung,
                fetch_first_rung=fetch_first_rung if video.published >= PUBLISHED_FIRST_RUNG else None,
                report=report,
            ),
        )
        uploads = [name for rung in packaged.ladder.rest for name in files_under(out, rung.key)]
        uploads += [*files_under(out, layout.THUMBS), layout.POSTER, layout.PREVIEW]
        await upload_files(self.store, out, uploads, keys=keys)
        await upload_files(self.store, out, list(layout.MANIFESTS), keys=keys)
        await self._publish(job, video, packaged, complete=True)
        if not self.settings.keep_originals:
            await self.store.delete(keys.source)

    def _require_scratch(self, source: Path) -> None:
        free = shutil.disk_usage(self.work_root).free
        needed = 3 * source.stat().st_size + self.settings.min_free_disk_bytes
        if free < needed:
            raise ScratchSpaceError(f"needs {needed} bytes of scratch space, {free} free")

    async def _publish(
        self, job: queue.ClaimedJob, video: VideoRow, packaged: pipeline.Packaged, *, complete: bool
    ) -> None:
        event = transcoded_event(video, packaged, complete=complete)
        stage = PUBLISHED_COMPLETE if complete else PUBLISHED_FIRST_RUNG
        async with self.database.transaction() as session:
            if not await queue.heartbeat(session, job, lease_seconds=self.settings.lease_seconds):
                raise LeaseLostError(job.job_id)
            videos_store = VideoStore(session)
            payload: dict[str, Any] = event.model_dump(mode="json")
            if await videos_store.mark_published(video.id, stage=stage, result=payload):
                await announce(session, event)
            if complete:
                await videos_store.set_state(video.id, status=VideoStatus.READY, stage="done", progress=100.0)
                await queue.finish(session, job)


async def job_probe(video: VideoRow, source: Path, settings: MediaSettings) -> ProbeResult:
    """The probe the upload stored (of the same bytes), or a new one for rows without it; the
    limits are checked again either way (they may have changed since the upload)."""
    probe = ProbeResult.from_stored(video.probe)
    if probe is None:
        probe = await probe_file(source, timeout_seconds=settings.probe_timeout_seconds)
    check_probe(probe, Limits(settings.max_duration_seconds, settings.max_width, settings.max_height))
    return probe
