"""HTTP routes of the caller's own account (`/api/v1/me`): every route acts on the token's user
only, and every id in a path is looked up within that user's account (no IDOR)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from cinemesh.users.api import TokenResponse, token_answer
from cinemesh.users.deps import ActiveUser, AllServices
from cinemesh.users.document import (
    device_document,
    list_item_document,
    parental_controls_document,
    profile_document,
)
from cinemesh.users.schemas import (
    DeviceCreate,
    ListItemCreate,
    ParentalControlsBody,
    PasswordChange,
    PersonalInfoPatch,
    PreferencesPatch,
    ProfileCreate,
    ProfileFields,
    UnlockBody,
)

me = APIRouter(prefix="/api/v1/me", tags=["account"])
PathId = Annotated[str, Path(min_length=1, max_length=36, pattern=r"^[A-Za-z0-9-]+$")]
ContentId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")]
ProfileFilter = Annotated[str | None, Query(min_length=1, max_length=36, pattern=r"^[A-Za-z0-9-]+$")]


@me.get("")
async def get_me(request: Request, user: ActiveUser, services: AllServices) -> dict[str, Any]:
    return await services.account.document(user_id=user.user_id, account=request.state.current_account)


@me.patch("")
async def update_personal_info(
    body: PersonalInfoPatch, user: ActiveUser, services: AllServices
) -> dict[str, Any]:
    return await services.account.update_personal_info(user_id=user.user_id, changes=body.changes())


@me.delete("", status_code=204)
async def delete_account(user: ActiveUser, services: AllServices) -> None:
    await services.account.delete(user_id=user.user_id)


@me.get("/export")
async def export_account(user: ActiveUser, services: AllServices) -> JSONResponse:
    return JSONResponse(
        await services.account.export(user_id=user.user_id),
        headers={
            "Content-Disposition": 'attachment; filename="cinemesh-account.json"',
            "Cache-Control": "no-store",
        },
    )


@me.patch("/preferences")
async def update_preferences(
    body: PreferencesPatch, user: ActiveUser, services: AllServices
) -> dict[str, Any]:
    document = await services.account.update_preferences(user_id=user.user_id, changes=body.changes())
    preferences: dict[str, Any] = document["preferences"]
    return preferences


@me.post("/password")
async def change_password(
    body: PasswordChange, user: ActiveUser, services: AllServices, request: Request, response: Response
) -> TokenResponse:
    pair = await services.credentials.change_password(
        user_id=user.user_id, current_password=body.current_password, new_password=body.new_password
    )
    # Every other session ends, the web app's cookie session included: it gets the new cookie.
    return token_answer(pair, request, response, services)


@me.post("/verify-email/resend", status_code=202)
async def resend_verification(user: ActiveUser, services: AllServices) -> dict[str, str]:
    await services.credentials.send_verification(user_id=user.user_id)
    return {"detail": "If the address is not verified yet, a new link is on its way."}


# -- profiles -----------------------------------------------------------------------------------


@me.get("/profiles")
async def list_profiles(user: ActiveUser, services: AllServices) -> dict[str, Any]:
    profiles = await services.profiles.profiles(user_id=user.user_id)
    return {"items": [profile_document(profile) for profile in profiles]}


@me.post("/profiles", status_code=201)
async def create_profile(body: ProfileCreate, user: ActiveUser, services: AllServices) -> dict[str, Any]:
    profile = await services.profiles.create_profile(user_id=user.user_id, fields=body.changes())
    return profile_document(profile)


@me.patch("/profiles/{profile_id}")
async def update_profile(
    profile_id: PathId, body: ProfileFields, user: ActiveUser, services: AllServices
) -> dict[str, Any]:
    profile = await services.profiles.update_profile(
        user_id=user.user_id, profile_id=profile_id, fields=body.changes()
    )
    return profile_document(profile)


@me.delete("/profiles/{profile_id}", status_code=204)
async def delete_profile(profile_id: PathId, user: ActiveUser, services: AllServices) -> None:
    await services.profiles.delete_profile(user_id=user.user_id, profile_id=profile_id)


@me.post("/profiles/{profile_id}/unlock")
async def unlock_profile(
    profile_id: PathId, body: UnlockBody, user: ActiveUser, services: AllServices
) -> dict[str, Any]:
    unlock = await services.profiles.unlock(user_id=user.user_id, profile_id=profile_id, pin=body.pin)
    return {"unlock_token": unlock.token, "expires_in": unlock.expires_in}


@me.put("/parental-controls")
async def set_parental_controls(
    body: ParentalControlsBody, user: ActiveUser, services: AllServices
) -> dict[str, Any]:
    controls = await services.profiles.set_parental_controls(
        user_id=user.user_id,
        enabled=body.enabled,
        max_maturity_rating=body.max_maturity_rating,
        pin=body.pin,
        current_pin=body.current_pin,
        restricted_profiles=body.restricted_profiles,
    )
    return parental_controls_document(controls)


# -- devices ------------------------------------------------------------------------------------


@me.get("/devices")
async def list_devices(user: ActiveUser, services: AllServices) -> dict[str, Any]:
    return {"items": [device_document(d) for d in await services.library.devices(user_id=user.user_id)]}


@me.post(
    "/devices",
    status_code=201,
    responses={200: {"description": "This installation's device, registered before."}},
)
async def add_device(
    body: DeviceCreate, user: ActiveUser, services: AllServices, response: Response
) -> dict[str, Any]:
    registered = await services.library.add_device(
        user_id=user.user_id,
        device_type=body.device_type,
        fields=body.model_dump(exclude={"device_type", "installation_id", "replace_device_id"}),
        installation_id=body.installation_id,
        replace_device_id=body.replace_device_id,
    )
    if not registered.created:
        response.status_code = 200  # this installation's device, registered before
    return device_document(registered.device)


@me.get("/devices/{device_id}")
async def get_device(device_id: PathId, user: ActiveUser, services: AllServices) -> dict[str, Any]:
    """One device of the caller's; delivery asks it about a device it has not heard of yet."""
    return device_document(await services.library.device(user_id=user.user_id, device_id=device_id))


@me.delete("/devices/{device_id}", status_code=204)
async def remove_device(device_id: PathId, user: ActiveUser, services: AllServices) -> None:
    await services.library.remove_device(user_id=user.user_id, device_id=device_id)


# -- my list ------------------------------------------------------------------------------------


@me.get("/list")
async def my_list(
    user: ActiveUser, services: AllServices, profile_id: ProfileFilter = None
) -> dict[str, Any]:
    items = await services.library.my_list(user_id=user.user_id, profile_id=profile_id)
    return {"items": [list_item_document(item) for item in items]}


@me.post("/list", status_code=201, responses={200: {"description": "Already in the list."}})
async def save_to_list(
    body: ListItemCreate, user: ActiveUser, services: AllServices, response: Response
) -> dict[str, Any]:
    saved = await services.library.save(
        user_id=user.user_id,
        content_id=body.content_id,
        content_type=body.content_type,
        profile_id=body.profile_id,
    )
    if not saved.created:
        response.status_code = 200
    return list_item_document(saved.item)


@me.delete("/list/{content_id}", status_code=204)
async def remove_from_list(
    content_id: ContentId, user: ActiveUser, services: AllServices, profile_id: ProfileFilter = None
) -> None:
    await services.library.unsave(user_id=user.user_id, content_id=content_id, profile_id=profile_id)
