"""What the household emits: `users.profile.changed.v1` (what catalog and delivery filter and
refuse by), `users.device.changed.v1` and `users.my_list.changed.v1` (a recommendation signal)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from cinemesh.contracts.publishing import record_event
from cinemesh.contracts.users import DeviceChangedV1, MyListChangedV1, ProfileChangedV1
from cinemesh.users.household.domain import ParentalControls, Profile, effective_limit, pin_required
from cinemesh.users.identity.publishing import SOURCE


async def publish_profile_change(
    session: AsyncSession,
    user_id: str,
    profile: Profile,
    change: str,
    at: dt.datetime,
    controls: ParentalControls | None = None,
) -> None:
    """Records the event in the caller's transaction (published after it commits)."""
    controls = controls or ParentalControls()
    limit = effective_limit(profile, controls)
    await record_event(
        session,
        ProfileChangedV1(
            user_id=user_id,
            profile_id=profile.profile_id,
            change=change,
            name=profile.name,
            is_kids=profile.is_kids,
            is_main=profile.is_main,
            max_maturity_rating=limit.value if limit else None,
            pin_required=pin_required(profile, controls),
            changed_at=at,
            watch_history_included=profile.preferences.get("watch_history_included", True) is not False,
        ),
        source=SOURCE,
    )


async def publish_profiles(
    session: AsyncSession,
    user_id: str,
    profiles: Iterable[Profile],
    at: dt.datetime,
    controls: ParentalControls,
) -> None:
    """Re-publishes every profile (as `updated`) after the parental controls changed."""
    for profile in profiles:
        await publish_profile_change(session, user_id, profile, "updated", at, controls)


async def publish_device_change(
    session: AsyncSession, *, user_id: str, device_id: str, device_type: str, change: str, at: dt.datetime
) -> None:
    """A device registered or removed, in the caller's transaction."""
    event = DeviceChangedV1(
        user_id=user_id, device_id=device_id, change=change, device_type=device_type, changed_at=at
    )
    await record_event(session, event, source=SOURCE)


async def publish_my_list_change(
    session: AsyncSession,
    *,
    user_id: str,
    profile_id: str | None,
    content_id: str,
    change: Literal["added", "removed"],
    at: dt.datetime,
) -> None:
    """A title added to or removed from my list, in the caller's transaction."""
    event = MyListChangedV1(
        user_id=user_id, profile_id=profile_id, content_id=content_id, change=change, changed_at=at
    )
    await record_event(session, event, source=SOURCE)
