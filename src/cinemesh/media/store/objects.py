"""Moving a video's files between local scratch space and the object store."""

from __future__ import annotations

import asyncio
from pathlib import Path

from cinemesh.media.layout import VideoKeys
from cinemesh.platform.storage import ObjectStore

CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".mpd": "application/dash+xml",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".vtt": "text/vtt",
    ".jpg": "image/jpeg",
}
_PARALLEL_PUTS = 8


async def upload_files(store: ObjectStore, root: Path, relative_paths: list[str], *, keys: VideoKeys) -> None:
    """Puts each file at its key (`layout`); manifests should be put last by the caller."""
    gate = asyncio.Semaphore(_PARALLEL_PUTS)

    async def put(relative: str) -> None:
        async with gate:
            path = root / relative
            await store.put_file(keys.key(relative), path, content_type=CONTENT_TYPES.get(path.suffix))

    await asyncio.gather(*(put(relative) for relative in relative_paths))


def files_under(root: Path, directory: str) -> list[str]:
    base = root / directory
    return sorted(str(path.relative_to(root)) for path in base.rglob("*") if path.is_file())


async def download_directory(store: ObjectStore, keys: VideoKeys, directory: str, root: Path) -> None:
    """Copies every object under the video's `directory/` to the same path under `root`."""
    async for info in store.list(keys.key(directory + "/")):
        target = root / info.key.removeprefix(keys.prefix)
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as handle:
            async for chunk in store.stream(info.key):
                await asyncio.to_thread(handle.write, chunk)


async def fetch_object(store: ObjectStore, key: str, destination: Path) -> Path:
    """A local file holding the object: the store's own file when it has one, else a download."""
    local = store.local_path(key)
    if local is not None and local.exists():
        return local
    destination.parent.mkdir(parents=True, exist_ok=True)
    with destination.open("wb") as handle:
        async for chunk in store.stream(key):
            await asyncio.to_thread(handle.write, chunk)
    return destination
