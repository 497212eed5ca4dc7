"""Moving a video's files between local scratch space and the object store."""

from __future__ import annotations

import asyncio
from pathlib import Path

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


def video_prefix(video_id: str) -> str:
    return f"videos/{video_id}"


async def upload_files(store: ObjectStore, root: Path, relative_paths: list[str], *, prefix: str) -> None:
    """Puts each file under `prefix/relative_path`; manifests should be put last by the caller."""
    gate = asyncio.Semaphore(_PARALLEL_PUTS)

    async def put(relative: str) -> None:
        async with gate:
            path = root / relative
            await store.put_file(f"{prefix}/{relative}", path, content_type=CONTENT_TYPES.get(path.suffix))

    await asyncio.gather(*(put(relative) for relative in relative_paths))


def files_under(root: Path, directory: str) -> list[str]:
    base = root / directory
    return sorted(str(path.relative_to(root)) for path in base.rglob("*") if path.is_file())


async def download_prefix(store: ObjectStore, prefix: str, destination: Path) -> None:
    """Copies every object under `prefix/` into `destination` (relative layout kept)."""
    async for info in store.list(prefix + "/"):
        target = destination / info.key.removeprefix(prefix + "/")
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
