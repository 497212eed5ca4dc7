"""Identifiers: UUIDv7, so ids sort by creation time (good index locality, stable cursors)."""

from __future__ import annotations

import uuid

import uuid_utils.compat as uuid_compat


def new_id() -> uuid.UUID:
    return uuid_compat.uuid7()


def new_id_str() -> str:
    return str(new_id())
