"""Recommendation signals in discovery's own database.

`discovery_interactions`: one row per profile and content (a film, or an episode of a series
under its `title_id`): the completion strength (the furthest point reached, 1 when finished) and
whether it was finished, from history's progress and watched events only; a "my list" add is
its own row, keyed `list:<content_id>` (weaker than a watch, never finished), so a removal takes
back only it. `discovery_cowatch`:
the co-watch graph's weighted edges, rewritten by each retrain and read at start.
`discovery_accounts`: each account's country (trending per country).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.discovery.store import metadata, profiles

KEY_LENGTH = 64

interactions = sa.Table(
    "discovery_interactions",
    metadata,
    sa.Column("profile_id", sa.String(36), primary_key=True),
    sa.Column("content_id", sa.String(KEY_LENGTH), primary_key=True),
    sa.Column("user_id", sa.String(36), nullable=False, index=True),
    sa.Column("title_id", sa.String(64), nullable=False),
    sa.Column("strength", sa.Float, nullable=False),
    sa.Column("finished", sa.Boolean, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

cowatch = sa.Table(
    "discovery_cowatch",
    metadata,
    sa.Column("title_id", sa.String(64), primary_key=True),
    sa.Column("neighbour_id", sa.String(64), primary_key=True),
    sa.Column("weight", sa.Float, nullable=False),
)

accounts = sa.Table(
    "discovery_accounts",
    metadata,
    sa.Column("user_id", sa.String(36), primary_key=True),
    sa.Column("country", sa.String(2), nullable=False),
)

EDGE_BATCH = 5000
LISTED = "list:"  # the content key of a my-list signal (beside the title's own watch row)


@dataclass(frozen=True)
class Signal:
    user_id: str
    profile_id: str
    content_id: str
    title_id: str
    strength: float | None  # None: keep the stored one
    finished: bool | None  # None: keep the stored one
    at: dt.datetime


async def record(session: AsyncSession, signal: Signal) -> None:
    """Keeps the furthest strength; finished until marked unwatched."""
    key = (interactions.c.profile_id == signal.profile_id) & (interactions.c.content_id == signal.content_id)
    row = (
        await session.execute(sa.select(interactions.c.strength, interactions.c.finished).where(key))
    ).first()
    if row is None:
        await session.execute(
            interactions.insert().values(
                profile_id=signal.profile_id,
                content_id=signal.content_id,
                user_id=signal.user_id,
                title_id=signal.title_id,
                strength=signal.strength or 0.0,
                finished=bool(signal.finished),
                updated_at=signal.at,
            )
        )
        return
    strength = max(row.strength, signal.strength or 0.0)
    finished = row.finished if signal.finished is None else signal.finished
    await session.execute(
        interactions.update().where(key).values(strength=strength, finished=finished, updated_at=signal.at)
    )


async def remove(session: AsyncSession, *, profile_id: str, content_id: str | None) -> None:
    condition = interactions.c.profile_id == profile_id
    if content_id is not None:
        condition &= interactions.c.content_id == content_id
    await session.execute(sa.delete(interactions).where(condition))


async def unlist(session: AsyncSession, *, user_id: str, profile_id: str | None, content_id: str) -> None:
    """Takes back a my-list signal: the profile's, or every profile's of the account (None)."""
    condition = (interactions.c.user_id == user_id) & (interactions.c.content_id == LISTED + content_id)
    if profile_id is not None:
        condition &= interactions.c.profile_id == profile_id
    await session.execute(sa.delete(interactions).where(condition))


async def erase_user(session: AsyncSession, *, user_id: str) -> None:
    await session.execute(sa.delete(interactions).where(interactions.c.user_id == user_id))
    await session.execute(sa.delete(accounts).where(accounts.c.user_id == user_id))


async def erase_profile(session: AsyncSession, *, profile_id: str) -> None:
    await session.execute(sa.delete(interactions).where(interactions.c.profile_id == profile_id))


@dataclass(frozen=True)
class Watched:
    title_id: str
    content_id: str
    strength: float
    finished: bool
    at: dt.datetime


_TASTE = (
    sa.select(
        interactions.c.title_id,
        interactions.c.content_id,
        interactions.c.strength,
        interactions.c.finished,
        interactions.c.updated_at,
    )
    .where(interactions.c.profile_id == sa.bindparam("profile_id"))
    .order_by(interactions.c.updated_at.desc())
)


async def watched_by(session: AsyncSession, profile_id: str) -> list[Watched]:
    """The profile's watches, latest first."""
    rows = (await session.execute(_TASTE, {"profile_id": profile_id})).all()
    return [Watched(r.title_id, r.content_id, r.strength, r.finished, r.updated_at) for r in rows]


@dataclass(frozen=True)
class Cell:
    profile_id: str
    title_id: str
    strength: float
    at: dt.datetime
    country: str | None


async def training_cells(session: AsyncSession) -> list[Cell]:
    """Every included profile's (profile, title) strength, with its account's country."""
    query = (
        sa.select(
            interactions.c.profile_id,
            interactions.c.title_id,
            sa.func.max(interactions.c.strength),
            sa.func.max(interactions.c.updated_at),
            accounts.c.country,
        )
        .select_from(
            interactions.outerjoin(profiles, profiles.c.profile_id == interactions.c.profile_id).outerjoin(
                accounts, accounts.c.user_id == interactions.c.user_id
            )
        )
        .where(sa.or_(profiles.c.watch_history_included.is_(None), profiles.c.watch_history_included))
        .group_by(interactions.c.profile_id, interactions.c.title_id, accounts.c.country)
    )
    return [Cell(p, t, s, _aware(at), c) for p, t, s, at, c in (await session.execute(query)).all()]


def _aware(at: dt.datetime) -> dt.datetime:
    """SQLite gives an aggregate's time back without its zone (stored as UTC)."""
    return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)


async def replace_edges(session: AsyncSession, edges: Sequence[tuple[str, str, float]]) -> None:
    await session.execute(sa.delete(cowatch))
    for start in range(0, len(edges), EDGE_BATCH):
        await session.execute(
            cowatch.insert(),
            [
                {"title_id": a, "neighbour_id": b, "weight": w}
                for a, b, w in edges[start : start + EDGE_BATCH]
            ],
        )


async def all_edges(session: AsyncSession) -> list[tuple[str, str, float]]:
    rows = (
        await session.execute(sa.select(cowatch.c.title_id, cowatch.c.neighbour_id, cowatch.c.weight))
    ).all()
    return [(a, b, w) for a, b, w in rows]


async def put_account(session: AsyncSession, *, user_id: str, country: str) -> None:
    await session.execute(sa.delete(accounts).where(accounts.c.user_id == user_id))
    await session.execute(accounts.insert().values(user_id=user_id, country=country.upper()[:2]))
