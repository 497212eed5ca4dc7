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
import contextlib
import math
import re
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from cinemesh.delivery.drm.keys import ContentKeys
from cinemesh.delivery.layout import cenc_package_prefix
from cinemesh.delivery.origin.manifests import resolve
from cinemesh.platform.background import TaskSet
from cinemesh.platform.logging import get_logger
from cinemesh.platform.storage import ObjectStore

log = get_logger("cinemesh.delivery.cenc")
_TARGET_DURATION = re.compile(r"#EXT-X-TARGETDURATION:(\d+)")
_MAP_URI = re.compile(r'#EXT-X-MAP:.*URI="([^"]+)"')
_URI = re.compile(r'URI="([^"]+)"')
_LANGUAGE = re.compile(r'LANGUAGE="([A-Za-z0-9-]{1,35})"')
_MPD_NS = "urn:mpeg:dash:schema:mpd:2011"
ET.register_namespace("", _MPD_NS)


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
        self._tasks = TaskSet("delivery-cenc")
        self._running: set[str] = set()  # videos being packaged: one run per video at once

    def schedule(
        self,
        video_id: str,
        storage_prefix: str,
        master_key: str,
        renditions: Sequence[dict[str, Any]],
        dash_manifest_key: str | None = None,
    ) -> None:
        """Packages in the background (after the caller's transaction); one run per video at once."""
        if video_id in self._running:
            return
        work: Coroutine[Any, Any, None] = self._package_logged(
            video_id, storage_prefix, master_key, list(renditions), dash_manifest_key
        )
        self._running.add(video_id)
        task = self._tasks.spawn(f"package:{video_id}", work)
        task.add_done_callback(lambda _: self._running.discard(video_id))

    async def wait_idle(self) -> None:
        while len(self._tasks):
            await self._tasks.wait()

    async def close(self) -> None:
        await self._tasks.stop()

    async def _package_logged(
        self,
        video_id: str,
        storage_prefix: str,
        master_key: str,
        renditions: list[dict[str, Any]],
        dash_manifest_key: str | None,
    ) -> None:
        try:
            await self.package(video_id, storage_prefix, master_key, renditions, dash_manifest_key)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("cenc_packaging_failed", video_id=video_id)

    async def package(
        self,
        video_id: str,
        storage_prefix: str,
        master_key: str,
        renditions: list[dict[str, Any]],
        dash_manifest_key: str | None = None,
    ) -> None:
        """Video renditions (one representation each, lowest first) and every audio language of
        the master playlist (an adaptation set each), all encrypted with the title's key; the
        subtitle tracks of media's clear MPD (`dash_manifest_key`, as announced) are copied
        beside them in the clear."""
        playlists = [str(r["playlist_key"]) for r in sorted(renditions, key=lambda r: int(r["height"]))]
        audios = audio_playlists(master_key, (await self.store.get_bytes(master_key)).decode())
        key = await self.keys.get(video_id)
        target = cenc_package_prefix(storage_prefix)
        with tempfile.TemporaryDirectory(prefix="cinemesh-cenc-") as temp:
            work, out = Path(temp), Path(temp) / "out"
            inputs: list[str] = []
            segment_seconds = 4
            for index, playlist_key in enumerate([*playlists, *(key for key, _ in audios)]):
                track = work / f"track{index}.mp4"
                segment_seconds = max(1, await self._concatenate(playlist_key, track))
                inputs += ["-i", str(track)]
                (out / f"r{index}").mkdir(parents=True)
            maps = [arg for index in range(len(playlists)) for arg in ("-map", f"{index}:v")]
            # Rungs rounded to even sizes (426x240 beside 640x360) differ in aspect ratio by a hair,
            # and the DASH muxer refuses an adaptation set whose aspect ratios conflict: every
            # representation is declared at the top rung's display aspect ratio instead.
            aspect = display_aspect_ratio(renditions)
            maps += [arg for index in range(len(playlists)) for arg in (f"-aspect:v:{index}", aspect)]
            adaptation_sets = "id=0,streams=v"
            for position, (_, language) in enumerate(audios):
                maps += [
                    "-map",
                    f"{len(playlists) + position}:a",
                    f"-metadata:s:a:{position}",
                    f"language={language}",
                ]
                adaptation_sets += f" id={position + 1},streams={len(playlists) + position}"
            command = [
                self.ffmpeg, "-hide_banner", "-loglevel", "error", "-y", *inputs, *maps, "-c", "copy",
                "-f", "dash", "-seg_duration", str(segment_seconds),
                "-use_template", "1", "-use_timeline", "0",
                "-adaptation_sets", adaptation_sets,
                "-init_seg_name", "r$RepresentationID$/init.mp4",
                "-media_seg_name", "r$RepresentationID$/seg-$Number%05d$.m4s",
                "-format_options",
                f"encryption_scheme=cenc-aes-ctr:encryption_key={key.key.hex()}:encryption_kid={key.kid.hex()}",
                str(out / "manifest.mpd"),
            ]  # fmt: skip
            process = await asyncio.create_subprocess_exec(
                *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
            )
            try:
                _, stderr = await process.communicate()
            except BaseException:
                # Cancelled (shutdown, a re-transcode): never leave ffmpeg running on its own.
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await asyncio.shield(process.wait())
                raise
            if process.returncode != 0:
                # stderr never holds the key: ffmpeg does not echo option values in errors.
                raise RuntimeError(f"ffmpeg CENC packaging failed: {stderr.decode(errors='replace')[-500:]}")
            mpd = (out / "manifest.mpd").read_text()
            clear_mpd_key = dash_manifest_key
            if clear_mpd_key is not None and await self.store.exists(clear_mpd_key):
                clear_mpd = (await self.store.get_bytes(clear_mpd_key)).decode()
                mpd = await self._add_text_tracks(mpd, clear_mpd, clear_mpd_key, out)
                (out / "manifest.mpd").write_text(mpd)
            await self.store.delete_prefix(target)
            for path in sorted(p for p in out.rglob("*") if p.is_file() and p.name != "manifest.mpd"):
                await self.store.put_file(target + path.relative_to(out).as_posix(), path)
            await self.store.put_file(
                target + "manifest.mpd", out / "manifest.mpd", content_type="application/dash+xml"
            )
        log.info("cenc_packaged", video_id=video_id, renditions=len(playlists), audio_tracks=len(audios))

    async def _add_text_tracks(self, mpd: str, clear_mpd: str, clear_mpd_key: str, out: Path) -> str:
        """The clear MPD's subtitle adaptation sets, appended to the package with their WebVTT
        files copied in (the package stays self-contained under one prefix)."""
        texts = text_adaptation_sets(clear_mpd)
        if not texts:
            return mpd
        for adaptation in texts:
            for url in adaptation.iter(_mpd("SegmentURL")):
                relative = url.get("media", "")
                source = resolve(clear_mpd_key, relative)
                copy = out / relative
                copy.parent.mkdir(parents=True, exist_ok=True)
                copy.write_bytes(await self.store.get_bytes(source))
        return append_adaptation_sets(mpd, texts)

    async def _concatenate(self, playlist_key: str, track: Path) -> int:
        """Writes a CMAF track as one fragmented MP4 (its EXT-X-MAP init segment, then its
        segments); returns its target duration, so DASH segments keep the same boundaries."""
        playlist = (await self.store.get_bytes(playlist_key)).decode()
        target = _TARGET_DURATION.search(playlist)
        init = _MAP_URI.search(playlist)
        keys = [resolve(playlist_key, init.group(1))] if init else []
        with track.open("wb") as out:
            for key in [*keys, *segment_keys(playlist_key, playlist)]:
                chunks = self.store.stream(key)
                try:
                    async for chunk in chunks:
                        await asyncio.to_thread(out.write, chunk)
                finally:  # a cancelled copy closes the object's file now, not at garbage collection
                    close = getattr(chunks, "aclose", None)
                    if close is not None:
                        await close()
        return int(target.group(1)) if target else 4


def display_aspect_ratio(renditions: Sequence[dict[str, Any]]) -> str:
    """The top rung's width:height in lowest terms, e.g. "16:9" for 1920x1080."""
    top = max(renditions, key=lambda rendition: int(rendition["height"]))
    width, height = int(top["width"]), int(top["height"])
    divisor = math.gcd(width, height)
    return f"{width // divisor}:{height // divisor}"


def audio_playlists(master_key: str, master: str) -> list[tuple[str, str]]:
    """(object key, BCP 47 language) of each audio rendition of the master playlist, in order."""
    found = []
    for line in master.splitlines():
        if line.startswith("#EXT-X-MEDIA:") and "TYPE=AUDIO" in line and (uri := _URI.search(line)):
            language = _LANGUAGE.search(line)
            found.append((resolve(master_key, uri.group(1)), language.group(1) if language else "und"))
    return found


def _mpd(tag: str) -> str:
    return f"{{{_MPD_NS}}}{tag}"


def text_adaptation_sets(mpd: str) -> list[ET.Element]:
    root = ET.fromstring(mpd)  # noqa: S314 - the media service's own MPD
    return [
        adaptation
        for period in root.findall(_mpd("Period"))
        for adaptation in period.findall(_mpd("AdaptationSet"))
        if adaptation.get("contentType") == "text"
    ]


def append_adaptation_sets(mpd: str, adaptations: list[ET.Element]) -> str:
    """`mpd` with `adaptations` added to its (first) period, renumbered after its own sets."""
    root = ET.fromstring(mpd)  # noqa: S314 - written by our ffmpeg run
    period = root.find(_mpd("Period"))
    if period is None:
        raise ValueError("the packaged MPD has no Period")
    ids = [int(a.get("id", "0")) for a in period.findall(_mpd("AdaptationSet")) if a.get("id", "").isdigit()]
    for offset, adaptation in enumerate(adaptations, start=max(ids, default=-1) + 1):
        adaptation.set("id", str(offset))
        period.append(adaptation)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def find_ffmpeg() -> str:
    """The pinned static ffmpeg of imageio-ffmpeg (never the system one: Debian's 5.1 writes
    broken encrypted fMP4)."""
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())
