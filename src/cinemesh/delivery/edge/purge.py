"""Purging the edge when content changes (unpublish, availability, re-transcode).

The edge keys its cache by object path (the token is not part of the key), so purging a video
is one request per cached object path: `GET {purge_url}/{object path}` (ngx_cache_purge answers
200 when it dropped the entry, 404 when it held none). The paths come from listing the store,
which is the set of everything the edge could have cached for the video.

Each purge runs twice: at once, and again after the origin's servability cache (`VideoGate`)
has expired in every process, so an object another origin process served in between is gone too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import httpx

from cinemesh.delivery.layout import AES_PATH_PREFIX, CENC_STORE_PREFIX, ENCRYPTED_PREFIX, encrypted_prefix
from cinemesh.delivery.origin.gate import VideoGate
from cinemesh.platform.background import TaskSet
from cinemesh.platform.logging import get_logger
from cinemesh.platform.storage import ObjectStore

log = get_logger("cinemesh.delivery.edge")
_CONCURRENCY = 16


class EdgePurger:
    def __init__(
        self, *, store: ObjectStore, purge_urls: Sequence[str], gate: VideoGate, timeout: float = 5.0
    ) -> None:
        self.store = store
        self.purge_urls = [url.rstrip("/") for url in purge_urls]
        self.gate = gate
        self.timeout = timeout
        self._tasks = TaskSet("delivery-edge-purge")

    # -- Invalidation (called by event handlers) --------------------------------------------

    def servable(self, video_id: str) -> None:
        self.gate.forget(video_id)

    def availability_changed(self, video_id: str) -> None:
        self.gate.forget(video_id)
        self._tasks.spawn(f"purge:{video_id}", self._purge_twice(video_id, drop_copies=False))

    def objects_replaced(self, video_id: str) -> None:
        self.gate.forget(video_id)
        self._tasks.spawn(f"purge:{video_id}", self._purge_twice(video_id, drop_copies=True))

    async def close(self) -> None:
        await self._tasks.stop()

    async def wait_idle(self) -> None:
        """Waits for scheduled purges (tests, shutdown)."""
        while len(self._tasks):
            await self._tasks.wait()

    # -- purging ----------------------------------------------------------------------------

    async def cached_paths(self, video_id: str) -> list[str]:
        """Every path the edge may have cached for the video (clear objects, AES copies, the CENC
        package), under the storage prefix media announced (none announced: nothing served)."""
        prefix = await self.gate.storage_prefix(video_id)
        if prefix is None:
            return []
        paths = [info.key async for info in self.store.list(prefix)]
        paths += [
            AES_PATH_PREFIX + info.key.removeprefix(ENCRYPTED_PREFIX)
            async for info in self.store.list(encrypted_prefix(prefix))
        ]
        paths += [info.key async for info in self.store.list(CENC_STORE_PREFIX + prefix)]
        return paths

    async def _purge_twice(self, video_id: str, *, drop_copies: bool) -> None:
        try:
            paths = await self.cached_paths(video_id)
            prefix = await self.gate.storage_prefix(video_id)
            if drop_copies and prefix is not None:
                # Copies encrypted from the old bytes; the next request re-encrypts the new ones.
                await self.store.delete_prefix(encrypted_prefix(prefix))
            await self.purge(paths)
            await asyncio.sleep(self.gate.ttl + 0.5)
            await self.purge(paths)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("edge_purge_failed", video_id=video_id)

    async def purge(self, paths: Sequence[str]) -> int:
        """Purges `paths` on every edge; returns how many entries were dropped."""
        if not self.purge_urls or not paths:
            return 0
        limit = asyncio.Semaphore(_CONCURRENCY)
        async with httpx.AsyncClient(timeout=self.timeout) as client:

            async def one(url: str) -> bool:
                async with limit:
                    response = await client.get(url)
                if response.status_code not in (200, 404):
                    log.warning("edge_purge_refused", status=response.status_code, url=url)
                return response.status_code == 200

            results = await asyncio.gather(
                *(one(f"{base}/{path}") for base in self.purge_urls for path in paths)
            )
        dropped = sum(results)
        log.info("edge_purged", paths=len(paths), dropped=dropped)
        return dropped
