"""The account as the seed's "User Profile" JSON Schema (draft-07) describes it.

Optional properties are left out rather than sent as null: the schema types them as strings or
objects, and a null would not validate. The parental-control PIN is never part of the document
(the schema allows it; we store only its hash).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from cinemesh.users.household.domain import Device, ListItem, ParentalControls, Profile
from cinemesh.users.identity.domain import Account


def timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _present(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def profile_document(profile: Profile) -> dict[str, Any]:
    return _present(
        {
            "profile_id": profile.profile_id,
            "name": profile.name,
            "is_kids": profile.is_kids,
            "is_main": profile.is_main,
            "avatar": profile.avatar,
            "preferences": profile.preferences,
            "last_accessed": timestamp(profile.last_accessed) if profile.last_accessed else None,
            # Not in the seed schema (it allows extra properties): the profile's own limit.
            "max_maturity_rating": profile.max_maturity_rating.value if profile.max_maturity_rating else None,
        }
    )


def device_document(device: Device) -> dict[str, Any]:
    return _present(
        {
            "device_id": device.device_id,
            "device_type": device.device_type.value,
            "device_name": device.device_name,
            "manufacturer": device.manufacturer,
            "model": device.model,
            "os": device.os,
            "app_version": device.app_version,
            "first_registered": timestamp(device.first_registered),
            "last_active": timestamp(device.last_active) if device.last_active else None,
            "notifications_enabled": device.notifications_enabled,
            "offline_downloads_enabled": device.offline_downloads_enabled,
            "active_profile": device.active_profile,
        }
    )


def list_item_document(item: ListItem) -> dict[str, Any]:
    return {
        "content_id": item.content_id,
        "content_type": item.content_type.value,
        "added_date": timestamp(item.added_date),
        "profile_id": item.profile_id,
    }


def parental_controls_document(controls: ParentalControls) -> dict[str, Any]:
    return _present(
        {
            "enabled": controls.enabled,
            "max_maturity_rating": controls.max_maturity_rating.value
            if controls.max_maturity_rating
            else None,
            "restricted_profiles": list(controls.restricted_profiles),
            # Whether a PIN is set; the PIN itself never leaves the service.
            "pin_set": controls.has_pin,
        }
    )


def account_document(
    account: Account,
    *,
    profiles: Iterable[Profile] = (),
    devices: Iterable[Device] = (),
    my_list: Iterable[ListItem] = (),
    controls: ParentalControls | None = None,
) -> dict[str, Any]:
    personal_info = _present(
        {
            "first_name": account.first_name,
            "last_name": account.last_name,
            "date_of_birth": account.date_of_birth.isoformat() if account.date_of_birth else None,
            "country": account.country,
        }
    )
    metadata = _present(
        {
            "created_at": timestamp(account.created_at),
            "updated_at": timestamp(account.updated_at),
            "last_login": timestamp(account.last_login_at) if account.last_login_at else None,
            "last_password_change": (
                timestamp(account.last_password_change_at) if account.last_password_change_at else None
            ),
            "email_verified": account.email_verified,
            "email_verification_date": (
                timestamp(account.email_verified_at) if account.email_verified_at else None
            ),
            "account_status": account.status.value,
        }
    )
    preferences = {
        **account.preferences,
        "parental_controls": parental_controls_document(controls or ParentalControls()),
    }
    return {
        "user_id": account.user_id,
        "username": account.username,
        "email": account.email,
        "roles": sorted(account.roles),
        "personal_info": personal_info,
        "subscription": {key: value for key, value in account.subscription.items() if key[0] != "_"},
        "preferences": preferences,
        "profiles": [profile_document(profile) for profile in profiles],
        "devices": [device_document(device) for device in devices],
        "my_list": [list_item_document(item) for item in my_list],
        "account_metadata": metadata,
    }
