"""HTTP routes of the caller's profiles, their parental controls and profile unlock."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from cinemesh.users.account.document import parental_controls_document, profile_document
from cinemesh.users.http.deps import ActiveUser, Context, PathId
from cinemesh.users.http.schemas import ParentalControlsBody, ProfileCreate, ProfileFields, UnlockBody

router = APIRouter(prefix="/api/v1/me", tags=["account"])


@router.get("/profiles")
async def list_profiles(user: ActiveUser, context: Context) -> dict[str, Any]:
    profiles = await context.profiles.profiles(user_id=user.user_id)
    return {"items": [profile_document(profile) for profile in profiles]}


@router.post("/profiles", status_code=201)
async def create_profile(body: ProfileCreate, user: ActiveUser, context: Context) -> dict[str, Any]:
    profile = await context.profiles.create_profile(user_id=user.user_id, fields=body.changes())
    return profile_document(profile)


@router.patch("/profiles/{profile_id}")
async def update_profile(
    profile_id: PathId, body: ProfileFields, user: ActiveUser, context: Context
) -> dict[str, Any]:
    profile = await context.profiles.update_profile(
        user_id=user.user_id, profile_id=profile_id, fields=body.changes()
    )
    return profile_document(profile)


@router.delete("/profiles/{profile_id}", status_code=204)
async def delete_profile(profile_id: PathId, user: ActiveUser, context: Context) -> None:
    await context.profiles.delete_profile(user_id=user.user_id, profile_id=profile_id)


@router.post("/profiles/{profile_id}/unlock")
async def unlock_profile(
    profile_id: PathId, body: UnlockBody, user: ActiveUser, context: Context
) -> dict[str, Any]:
    unlock = await context.profiles.unlock(user_id=user.user_id, profile_id=profile_id, pin=body.pin)
    return {"unlock_token": unlock.token, "expires_in": unlock.expires_in}


@router.put("/parental-controls")
async def set_parental_controls(
    body: ParentalControlsBody, user: ActiveUser, context: Context
) -> dict[str, Any]:
    controls = await context.profiles.set_parental_controls(
        user_id=user.user_id,
        enabled=body.enabled,
        max_maturity_rating=body.max_maturity_rating,
        pin=body.pin,
        current_pin=body.current_pin,
        restricted_profiles=body.restricted_profiles,
    )
    return parental_controls_document(controls)
