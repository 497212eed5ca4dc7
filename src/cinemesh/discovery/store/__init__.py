"""Discovery's tables and queries, run in the caller's session.

`discovery_titles` keeps each title's newest catalog snapshot: the search index is loaded from
it at start (no replay needed after a restart) and emptied with it before a replay.
`discovery_profiles` is the projection of the users service's profiles (owner and maturity
limit), so a search applies a kids profile's limit without calling the users service.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.contracts.ratings import MaturityRating, profile_limit

metadata = sa.MetaData()

titles = sa.Table(
    "discovery_titles",
    metadata,
    sa.Column("title_id", sa.String(64), primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("document", sa.JSON, nullable=False),
    sa.Column("stored_at", sa.DateTime(timezone=True), index=True),
)

profiles = sa.Table(
    "discovery_profiles",
    metadata,
    sa.Column("profile_id", sa.String(36), primary_key=True),
    sa.Column("user_id", sa.String(36), nullable=False, index=True),
    sa.Column("is_kids", sa.Boolean, nullable=False),
    sa.Column("max_maturity_rating", sa.String(8)),
    # users' `watch_history_included`: false, the profile neither trains nor gets personal rows.
    sa.Column("watch_history_included", sa.Boolean, nullable=False, server_default=sa.true()),
)

LOAD_BATCH = 2000


async def newer_documents(
    session: AsyncSession, documents: list[dict[str, Any]], *, now: dt.datetime
) -> list[dict[str, Any]]:
    """Stores each title's newest snapshot unless the stored one is as new; returns the stored."""
    newest: dict[str, dict[str, Any]] = {}
    for document in documents:
        kept = newest.get(document["id"])
        if kept is None or document["version"] > kept["version"]:
            newest[document["id"]] = document
    if not newest:
        return []
    query = sa.select(titles.c.title_id, titles.c.version).where(titles.c.title_id.in_(newest))
    stored: dict[str, int] = {title_id: version for title_id, version in (await session.execute(query)).all()}
    fresh = [d for title_id, d in newest.items() if stored.get(title_id, -1) < d["version"]]
    replaced = [d["id"] for d in fresh if d["id"] in stored]
    if replaced:
        await session.execute(sa.delete(titles).where(titles.c.title_id.in_(replaced)))
    if fresh:
        await session.execute(
            titles.insert(),
            [{"title_id": d["id"], "version": d["version"], "document": d, "stored_at": now} for d in fresh],
        )
    return fresh


async def all_documents(session: AsyncSession) -> AsyncIterator[list[dict[str, Any]]]:
    """Every stored snapshot, a batch at a time (keyset by id)."""
    after = ""
    while True:
        rows = (
            await session.execute(
                sa.select(titles.c.title_id, titles.c.document)
                .where(titles.c.title_id > after)
                .order_by(titles.c.title_id)
                .limit(LOAD_BATCH)
            )
        ).all()
        if not rows:
            return
        after = rows[-1][0]
        yield [row[1] for row in rows]


async def stored_since(session: AsyncSession, since: dt.datetime) -> list[tuple[str, int]]:
    """(title id, version) of the snapshots stored at or after `since`."""
    query = sa.select(titles.c.title_id, titles.c.version).where(titles.c.stored_at >= since)
    return [(title_id, version) for title_id, version in (await session.execute(query)).all()]


async def documents_of(session: AsyncSession, title_ids: list[str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for start in range(0, len(title_ids), LOAD_BATCH):
        query = sa.select(titles.c.document).where(
            titles.c.title_id.in_(title_ids[start : start + LOAD_BATCH])
        )
        found += (await session.scalars(query)).all()
    return found


async def clear_titles(session: AsyncSession) -> None:
    await session.execute(sa.delete(titles))


@dataclass(frozen=True)
class ProfileView:
    max_rating: MaturityRating | None
    personal: bool  # `watch_history_included`


_PROFILE = sa.select(
    profiles.c.user_id, profiles.c.is_kids, profiles.c.max_maturity_rating, profiles.c.watch_history_included
).where(profiles.c.profile_id == sa.bindparam("profile_id"))


async def profile_view(session: AsyncSession, *, profile_id: str, user_id: str) -> ProfileView | None:
    """The profile's limit and preference, or None when it is not the caller's (no IDOR oracle)."""
    row = (await session.execute(_PROFILE, {"profile_id": profile_id})).first()
    if row is None or row.user_id != user_id:
        return None
    limit = profile_limit(is_kids=row.is_kids, max_rating=row.max_maturity_rating)
    return ProfileView(max_rating=limit, personal=row.watch_history_included is not False)


async def put_profile(
    session: AsyncSession,
    *,
    profile_id: str,
    user_id: str,
    is_kids: bool,
    max_rating: str | None,
    watch_history_included: bool = True,
) -> None:
    await session.execute(sa.delete(profiles).where(profiles.c.profile_id == profile_id))
    await session.execute(
        profiles.insert().values(
            profile_id=profile_id,
            user_id=user_id,
            is_kids=is_kids,
            max_maturity_rating=max_rating,
            watch_history_included=watch_history_included,
        )
    )


async def delete_profiles(
    session: AsyncSession, *, profile_id: str | None = None, user_id: str | None = None
) -> None:
    if profile_id is not None:
        await session.execute(sa.delete(profiles).where(profiles.c.profile_id == profile_id))
    if user_id is not None:
        await session.execute(sa.delete(profiles).where(profiles.c.user_id == user_id))
