"""Problems shared by the account's use cases (each names the field, like a validation error)."""

from __future__ import annotations

from cinemesh.platform.problems import Problem
from cinemesh.users.household import Device

# Where the web app lists the account's devices (a problem names it so any client can link it).
DEVICES_PAGE = "/account/devices"


def field_problem(field: str, message: str, *, code: str, kind: str = "value_error") -> Problem:
    """A 422 in the same shape as the request-validation problems: `errors[].field` names it."""
    return Problem(
        422,
        f"Invalid value for: {field}. {message}",
        code=code,
        field=field,
        errors=[{"field": field, "in": "body", "message": message, "type": kind}],
    )


def limit_problem(field: str, limit: int, what: str) -> Problem:
    return field_problem(
        field,
        f"An account holds at most {limit} {what}.",
        code=f"{field.replace('_', '-')}-limit",
        kind="too_long",
    )


def device_limit_problem(limit: int, oldest: Device) -> Problem:
    """A full device list says what to do: replace the least recently used device (the answer
    names it, for a one-click replace) or remove one on the Devices page."""
    name = oldest.device_name or oldest.device_type.value
    message = (
        f"This account already has {limit} devices, the most it can have. Replace the least recently "
        f"used one ({name}) or remove a device on the Devices page."
    )
    return Problem(
        422,
        message,
        code="device-limit-reached",
        errors=[{"field": "devices", "in": "body", "message": message, "type": "too_long"}],
        least_recently_used={
            "device_id": oldest.device_id,
            "device_name": oldest.device_name,
            "last_active": (oldest.last_active or oldest.first_registered).isoformat(),
        },
        devices_page=DEVICES_PAGE,
    )


def not_found(what: str) -> Problem:
    # Another account's id reads exactly like an id that does not exist: no existence oracle.
    return Problem(404, f"No such {what} on this account.", code=f"{what.replace(' ', '-')}-not-found")


ACCOUNT_GONE = Problem(
    401,
    "Invalid access token: the account no longer exists.",
    code="invalid-token",
    headers={"WWW-Authenticate": 'Bearer realm="cinemesh"'},
)
