"""The catalog's projection of viewing profiles: whose they are and their maturity limit.

Built from `users.profile.changed.v1` and `users.user.deleted.v1` (group `catalog.profiles`),
so browse applies a kids profile's limit without calling the users service.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Boolean, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from cinemesh.catalog.database import Base
from cinemesh.contracts.ratings import KIDS_DEFAULT_LIMIT, MaturityRating


class ProfileRow(Base):
    __tablename__ = "viewer_profiles"

    profile_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36), index=True)
    is_kids: Mapped[bool] = mapped_column(Boolean)
    max_maturity_rating: Mapped[str | None] = mapped_column(String(8))


@dataclass(frozen=True)
class ProfileLimit:
    profile_id: str
    max_rating: MaturityRating | None  # None: no limit


async def profile_limit(session: AsyncSession, *, profile_id: str, user_id: str) -> ProfileLimit | None:
    """The profile's limit, or None when it is not the caller's (or unknown): no IDOR."""
    row = await session.get(ProfileRow, profile_id)
    if row is None or row.user_id != user_id:
        return None
    rating = MaturityRating(row.max_maturity_rating) if row.max_maturity_rating else None
    if rating is None and row.is_kids:
        rating = KIDS_DEFAULT_LIMIT  # a kids profile is never unlimited: fail closed
    return ProfileLimit(profile_id, max_rating=rating)


async def replace_profile(
    session: AsyncSession, *, profile_id: str, user_id: str, is_kids: bool, max_rating: str | None
) -> None:
    await delete_profile(session, profile_id)
    session.add(
        ProfileRow(profile_id=profile_id, user_id=user_id, is_kids=is_kids, max_maturity_rating=max_rating)
    )


async def delete_profile(session: AsyncSession, profile_id: str) -> None:
    await session.execute(sa.delete(ProfileRow).where(ProfileRow.profile_id == profile_id))


async def delete_profiles_of(session: AsyncSession, user_id: str) -> None:
    await session.execute(sa.delete(ProfileRow).where(ProfileRow.user_id == user_id))


async def reset_profiles(session: AsyncSession) -> None:
    await session.execute(sa.delete(ProfileRow))
