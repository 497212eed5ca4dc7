"""Is a video still servable? Segments carry no session, so the origin asks this for every
shared object: a video is servable while some published title (episode, trailer) uses it.

Answers are cached per process for `ttl` seconds (segment requests must not each cost a query);
the process that handles an unpublish forgets its answer at once, the others within `ttl`, and
the edge purge is repeated after `ttl` so nothing re-cached in between survives.
"""

from __future__ import annotations

import time

from sqlalchemy import exists, func, or_, select

from cinemesh.contracts.catalog import TRAILER_CONTENT_TYPE
from cinemesh.contracts.media import TRAILER
from cinemesh.delivery.store.tables import PlayableRow, VideoRow
from cinemesh.platform.db import Database

_MAX_CACHED_DIRECTORIES = 10_000


class VideoGate:
    def __init__(self, database: Database, *, ttl: float = 2.0) -> None:
        self.database = database
        self.ttl = ttl
        self._answers: dict[str, tuple[bool, float]] = {}
        self._owners: dict[str, tuple[str | None, float]] = {}

    async def servable(self, video_id: str) -> bool:
        cached = self._answers.get(video_id)
        now = time.monotonic()
        if cached is not None and now - cached[1] < self.ttl:
            return cached[0]
        # A content published as a trailer makes the video servable only if media took it as a
        # trailer of that title, the rule for starting its sessions (`check_trailer_video`): else
        # listing a feature among another title's trailers would keep the feature's objects
        # served to old signed URLs after its own title is unpublished.
        a_trailer_of_its_title = exists().where(
            VideoRow.video_id == PlayableRow.video_id,
            VideoRow.kind == TRAILER,
            VideoRow.title_id == PlayableRow.title_id,
        )
        uses = exists().where(
            PlayableRow.video_id == video_id,
            PlayableRow.published.is_(True),
            or_(
                PlayableRow.content_type.is_(None),
                PlayableRow.content_type != TRAILER_CONTENT_TYPE,
                a_trailer_of_its_title,
            ),
        )
        async with self.database.session() as session:
            answer = bool(await session.scalar(select(uses)))
        self._answers[video_id] = (answer, now)
        return answer

    def forget(self, video_id: str) -> None:
        self._answers.pop(video_id, None)

    async def owner(self, key: str) -> str | None:
        """The video whose storage prefix (as media announced it) holds `key`, if any: media's
        layout is not delivery's to parse. Cached per directory, like the answers above."""
        directory = key.rsplit("/", 1)[0] + "/" if "/" in key else ""
        cached = self._owners.get(directory)
        now = time.monotonic()
        if cached is not None and now - cached[1] < self.ttl:
            return cached[0]
        parts = directory.split("/")[:-1]
        candidates = ["/".join(parts[: n + 1]) + "/" for n in range(len(parts))]
        async with self.database.session() as session:
            owner = await session.scalar(
                select(VideoRow.video_id)
                .where(VideoRow.storage_prefix.in_(candidates))
                .order_by(func.length(VideoRow.storage_prefix).desc())
                .limit(1)
            )
        if len(self._owners) > _MAX_CACHED_DIRECTORIES:
            self._owners.clear()
        self._owners[directory] = (owner, now)
        return owner

    async def storage_prefix(self, video_id: str) -> str | None:
        """Where media said the video's objects are (None: delivery never heard of it)."""
        async with self.database.session() as session:
            prefix = await session.scalar(
                select(VideoRow.storage_prefix).where(VideoRow.video_id == video_id)
            )
        return prefix
