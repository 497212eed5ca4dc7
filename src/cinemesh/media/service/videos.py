"""Reading a video: who may see it, and its row.

A video belongs to its uploader; admins see all; anyone else gets 404, the same answer as for an
id that does not exist (no IDOR, no probing for ids).
"""

from __future__ import annotations

from cinemesh.media.domain.uploads import VideoNotFoundError
from cinemesh.media.store.videos import VideoRow, VideoStore
from cinemesh.platform.db import Database
from cinemesh.platform.tokens import Principal


def can_see(principal: Principal, row: VideoRow) -> bool:
    return principal.has_any_role("admin") or row.owner_id == principal.user_id


class VideoService:
    def __init__(self, *, database: Database) -> None:
        self.database = database

    async def get_video(self, *, principal: Principal, video_id: str) -> VideoRow:
        async with self.database.session() as session:
            row = await VideoStore(session).get(video_id)
        if row is None or not can_see(principal, row):
            raise VideoNotFoundError(f"No video {video_id}.")
        return row
