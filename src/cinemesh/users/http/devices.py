"""HTTP routes of the caller's devices."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from cinemesh.users.account.document import device_document
from cinemesh.users.http.deps import ActiveUser, Context, PathId
from cinemesh.users.http.schemas import DeviceCreate

router = APIRouter(prefix="/api/v1/me", tags=["account"])


@router.get("/devices")
async def list_devices(user: ActiveUser, context: Context) -> dict[str, Any]:
    return {"items": [device_document(d) for d in await context.library.devices(user_id=user.user_id)]}


@router.post(
    "/devices",
    status_code=201,
    responses={200: {"description": "This installation's device, registered before."}},
)
async def add_device(
    body: DeviceCreate, user: ActiveUser, context: Context, response: Response
) -> dict[str, Any]:
    registered = await context.library.add_device(
        user_id=user.user_id,
        device_type=body.device_type,
        fields=body.model_dump(exclude={"device_type", "installation_id", "replace_device_id"}),
        installation_id=body.installation_id,
        replace_device_id=body.replace_device_id,
    )
    if not registered.created:
        response.status_code = 200  # this installation's device, registered before
    return device_document(registered.device)


@router.get("/devices/{device_id}")
async def get_device(device_id: PathId, user: ActiveUser, context: Context) -> dict[str, Any]:
    """One device of the caller's; delivery asks it about a device it has not heard of yet."""
    return device_document(await context.library.device(user_id=user.user_id, device_id=device_id))


@router.delete("/devices/{device_id}", status_code=204)
async def remove_device(device_id: PathId, user: ActiveUser, context: Context) -> None:
    await context.library.remove_device(user_id=user.user_id, device_id=device_id)
