"""Read-your-writes for devices: delivery learns of devices from the users service's events, so
a device registered a moment ago may not have reached it yet. Before refusing a device it has
never heard of, delivery asks the users service (HTTP, with the caller's own token) whether the
device is the caller's."""

from __future__ import annotations

import re
from typing import Protocol

import httpx

from cinemesh.platform.logging import get_logger

log = get_logger("cinemesh.delivery")
# The users service's device ids; anything else is no device of anyone's (and goes into no URL).
_DEVICE_ID = re.compile(r"[A-Za-z0-9-]{1,36}")


class DeviceDirectory(Protocol):
    async def is_callers(self, *, device_id: str, authorization: str) -> bool: ...


class UsersDeviceDirectory:
    """`GET /api/v1/me/devices/{id}` on the users service: 200 means the caller's device; 404
    means none of the caller's (another account's reads the same). Anything else - users down,
    slow, erroring - is no confirmation: the player's refusal says the device is unknown."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def is_callers(self, *, device_id: str, authorization: str) -> bool:
        if not _DEVICE_ID.fullmatch(device_id):
            return False
        try:
            response = await self.client.get(
                f"/api/v1/me/devices/{device_id}", headers={"Authorization": authorization}
            )
        except httpx.HTTPError as exc:
            log.warning("device_confirmation_failed", device_id=device_id, error=type(exc).__name__)
            return False
        if response.status_code not in (200, 404):
            log.warning("device_confirmation_failed", device_id=device_id, status=response.status_code)
        return response.status_code == 200

    async def close(self) -> None:
        await self.client.aclose()
