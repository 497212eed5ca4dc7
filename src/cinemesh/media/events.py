"""Handlers of the events the media service consumes: the catalog's titles.

Media checks an upload's `title_id` against the catalog without calling it: it keeps a small
projection (`catalog_contents`) of the catalog's full-document snapshots
(`catalog.title.updated.v1`, recorded with every catalog write, creation included). The document
carries what media needs: the title's id, its episodes' ids, `created_by` (a content provider
may upload only to titles it created, as the catalog rules for editing) and `status` (nothing is
uploaded to an archived title).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.contracts.catalog import TitleUpdatedV1
from cinemesh.contracts.events import parse_event
from cinemesh.media.store import ContentStore
from cinemesh.platform.events.envelope import Envelope

CATALOG_GROUP = "media.catalog-titles"
# Set on a session that changed the projection: its commit wakes uploads waiting for a title.
TITLES_CHANGED = "media.titles_changed"


def content_rows(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The projection rows of one title document: the title, then each episode."""
    title_id = str(document["id"])
    common = {
        "title_id": title_id,
        "owner_id": document.get("created_by"),
        "status": str(document.get("status") or "draft"),
        "version": int(document.get("version") or 0),
    }
    seasons = document.get("seasons") or []
    episode_ids = [str(episode["id"]) for season in seasons for episode in season.get("episodes") or []]
    return [{"content_id": content_id, **common} for content_id in (title_id, *episode_ids)]


async def on_catalog_event(session: AsyncSession, envelope: Envelope) -> None:
    if envelope.type != TitleUpdatedV1.event_type:
        return  # the other catalog events carry nothing the snapshot does not
    updated = parse_event(envelope.type, envelope.data)
    assert isinstance(updated, TitleUpdatedV1)
    rows = content_rows(updated.document)
    contents = ContentStore(session)
    stored = await contents.version_of(updated.title_id)
    # Snapshots carry the write model's optimistic-lock version: a redelivered or older one
    # never regresses the projection.
    if stored is not None and stored >= rows[0]["version"]:
        return
    await contents.replace_title(updated.title_id, rows)
    session.info[TITLES_CHANGED] = True


async def reset_titles(session: AsyncSession) -> None:
    """Empties the projection before `cinemesh events replay media.catalog-titles` rebuilds it."""
    await ContentStore(session).clear()
