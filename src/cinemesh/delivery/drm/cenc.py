"""DASH with CENC (ISO/IEC 23001-7 `cenc`, AES-CTR sample encryption) for the ClearKey system.

Packaged once per video, when its full ladder is transcoded: each rendition's CMAF track
(init + segments, as the media service wrote them) is remuxed, never re-encoded, by the pinned
static ffmpeg (`-encryption_scheme cenc-aes-ctr`; Debian's 5.1 writes broken encrypted fMP4)
into a DASH presentation with one directory per representation, so a URL token scoped to a
representation opens only that one. The package lives in the object store under
`delivery/cenc/<storage prefix>dash/`; its manifest is written last, so its presence means the
package is complete. The key is the title's content key (the one HLS AES-128 uses).
"""

from __future__ import annotations

import asyncio
import re
import tempfile
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from cinemesh.delivery.drm.keys import ContentKeys
from cinemesh.delivery.origin.manifests import resolve
from cinemesh.platform.logging import get_logger
from cinemesh.platform.storage import ObjectStore

# The package's public paths are its store keys: delivery/cenc/<storage prefix>dash/...
CENC_STORE_PREFIX = "delivery/cenc/"
log = get_logger("cinemesh.delivery.cenc")
_TARGET_DURATION = re.compile(r"#EXT-X-TARGETDURATION:(\d+)")


def package_manifest_key(storage_prefix: str) -> str:
    return f"{CENC_STORE_PREFIX}{storage_prefix}dash/manifest.mpd"


def segment_keys(playlist_key: str, playlist: str) -> list[str]:
    return [
        resolve(playlist_key, line.strip())
        for line in playlist.splitlines()
        if line.strip() and not line.startswith("#")
    ]


class CencPackager:
    def __init__(self, *, store: ObjectStore, keys: ContentKeys, ffmpeg: str) -> None:
        self.store = store
        self.keys = keys
        self.ffmpeg = ffmpeg
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def schedule(self, video_id: str, storage_prefix: str, renditions: Sequence[dict[str, Any]]) -> None:
        """Packages in the background (after the caller's transaction); one run per video at once."""
        if video_id in self._tasks:
            return
        work: Coroutine[Any, Any, None] = self._package_logged(video_id, storage_prefix, list(renditions))
        task = asyncio.get_running_loop().create_task(work)
        self._tasks[video_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(video_id, None))

    async def wait_idle(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks.values()):
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def _package_logged(
        self, video_id: str, storage_prefix: str, renditions: list[dict[str, Any]]
    ) -> None:
        try:
            await self.package(video_id, storage_prefix, renditions)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("cenc_packaging_failed", video_id=video_id)

    async def package(self, video_id: str, storage_prefix: str, renditions: list[dict[str, Any]]) -> None:
        ladder = sorted(renditions, key=lambda r: int(r["height"]))
        key = await self.keys.get(video_id)
        target = f"{CENC_STORE_PREFIX}{storage_prefix}dash/"
        with tempfile.TemporaryDirectory(prefix="cinemesh-cenc-") as temp:
            work = Path(temp)
            inputs: list[str] = []
            segment_seconds = 4
            for index, rendition in enumerate(ladder):
                track = work / f"track{index}.mp4"
                segment_seconds = await self._concatenate(rendition, track)
                inputs += ["-i", str(track)]
                (work / "out" / f"r{index}").mkdir(parents=True)
            maps = [arg for index in range(len(ladder)) for arg in ("-map", f"{index}:v")]
            command = [
                self.ffmpeg, "-hide_banner", "-loglevel", "error", "-y", *inputs, *maps, "-c", "copy",
                "-f", "dash", "-seg_duration", str(segment_seconds),
                "-use_template", "1", "-use_timeline", "0",
                "-adaptation_sets", "id=0,streams=v",
                "-init_seg_name", "r$RepresentationID$/init.mp4",
                "-media_seg_name", "r$RepresentationID$/seg-$Number%05d$.m4s",
                "-format_options",
                f"encryption_scheme=cenc-aes-ctr:encryption_key={key.key.hex()}:encryption_kid={key.kid.hex()}",
                str(work / "out" / "manifest.mpd"),
            ]  # fmt: skip
            process = await asyncio.create_subprocess_exec(
                *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
            )
            _, stderr = await process.communicate()
            if process.returncode != 0:
                # stderr never holds the key: ffmpeg does not echo option values in errors.
                raise RuntimeError(f"ffmpeg CENC packaging failed: {stderr.decode(errors='replace')[-500:]}")
            await self.store.delete_prefix(target)
            out = work / "out"
            for path in sorted(p for p in out.rglob("*") if p.is_file() and p.name != "manifest.mpd"):
                await self.store.put_file(target + path.relative_to(out).as_posix(), path)
            await self.store.put_file(
                target + "manifest.mpd", out / "manifest.mpd", content_type="application/dash+xml"
            )
        log.info("cenc_packaged", video_id=video_id, renditions=len(ladder))

    async def _concatenate(self, rendition: dict[str, Any], track: Path) -> int:
        """Writes the rendition as one fragmented MP4 (its init segment, then its segments);
        returns its segment duration, so the DASH segments keep the same boundaries."""
        playlist_key = str(rendition["playlist_key"])
        playlist = (await self.store.get_bytes(playlist_key)).decode()
        target = _TARGET_DURATION.search(playlist)
        with track.open("wb") as out:
            for key in [str(rendition["init_key"]), *segment_keys(playlist_key, playlist)]:
                async for chunk in self.store.stream(key):
                    await asyncio.to_thread(out.write, chunk)
        return int(target.group(1)) if target else 4


def find_ffmpeg() -> str:
    """The pinned static ffmpeg of imageio-ffmpeg (never the system one: Debian's 5.1 writes
    broken encrypted fMP4)."""
    import imageio_ffmpeg  # type: ignore[import-untyped]

    return str(imageio_ffmpeg.get_ffmpeg_exe())
