"""Identifiers: UUIDv7, so ids sort by creation time (good index locality, stable cursors)."""

from __future__ import annotations

import uuid

import uuid_utils
import uuid_utils.compat as uuid_compat


def new_id() -> uuid.UUID:
    return uuid_compat.uuid7()


def new_id_str() -> str:
    # The same generator without the detour through a stdlib `uuid.UUID` (about 10x slower:
    # a bulk import makes several ids a row, one per title, episode and event).
    return str(uuid_utils.uuid7())
