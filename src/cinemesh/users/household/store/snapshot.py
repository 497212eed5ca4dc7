"""The whole household of an account in one statement: what the account document shows.

`GET /api/v1/me` read the profiles, devices, list and parental controls in four statements, each
a thread hop to SQLite (or a round trip to PostgreSQL) and an ORM load; here the four tables are
one `UNION ALL` of core rows in shared, typed slots, built once. Each part puts its columns in
the slots `_SLOTS_OF` names (the others are typed NULLs: PostgreSQL types a union's columns part
by part); `kind` says which part a row is, and its columns are read back under their own names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Integer,
    String,
    bindparam,
    case,
    cast,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause, Select
from sqlalchemy.types import TypeEngine

from cinemesh.users.household.domain import Household
from cinemesh.users.household.store.tables import (
    DeviceRow,
    ListItemRow,
    ParentalControlsRow,
    ProfileRow,
    controls_of,
    device_of,
    item_of,
    profile_of,
)

_TEXT, _FLAG, _TIME, _DOCUMENT = String(), Boolean(), DateTime(timezone=True), JSON()
# Slot -> type. `place`, `first_at`, `latest_at` and `s1` also order the rows within their part.
_SLOTS: dict[str, TypeEngine[Any]] = {
    "place": Integer(),
    "first_at": _TIME,
    "latest_at": _TIME,
    **{f"s{n}": _TEXT for n in range(1, 9)},
    "b1": _FLAG,
    "b2": _FLAG,
    "t1": _TIME,
    "j1": _DOCUMENT,
    "j2": _DOCUMENT,
}
# Per part: column -> slot. Profiles: the main one first, then by creation (then id); devices by
# registration; the list newest first (then content id).
_SLOTS_OF: dict[str, dict[str, str]] = {
    "p": {
        "id": "s1", "name": "s2", "max_maturity_rating": "s3", "is_kids": "b1", "is_main": "b2",
        "last_accessed": "t1", "preferences": "j1", "avatar": "j2", "created_at": "first_at",
    },
    "d": {
        "id": "s1", "device_type": "s2", "device_name": "s3", "manufacturer": "s4", "model": "s5",
        "os": "s6", "app_version": "s7", "active_profile": "s8", "notifications_enabled": "b1",
        "offline_downloads_enabled": "b2", "last_active": "t1", "first_registered": "first_at",
    },
    "l": {"content_id": "s1", "content_type": "s2", "profile_id": "s3", "added_date": "latest_at"},
    "c": {"max_maturity_rating": "s3", "pin_hash": "s4", "enabled": "b1", "restricted_profiles": "j1"},
}  # fmt: skip
_FIRST = literal_column("0", Integer())


def _part(kind: str, table: FromClause, place: ColumnElement[Any] = _FIRST) -> Select[*tuple[Any, ...]]:
    filled = {slot: table.c[column] for column, slot in _SLOTS_OF[kind].items()}
    columns: list[ColumnElement[Any]] = [literal_column(f"'{kind}'", _TEXT).label("kind")]
    columns.append(place.label("place"))
    columns += [
        filled.get(name, cast(null(), type_)).label(name) for name, type_ in _SLOTS.items() if name != "place"
    ]
    return select(*columns).where(table.c.user_id == bindparam("user_id"))


_PROFILES = ProfileRow.__table__
_HOUSEHOLD = union_all(
    _part("p", _PROFILES, place=case((_PROFILES.c.is_main, _FIRST), else_=literal_column("1"))),
    _part("d", DeviceRow.__table__),
    _part("l", ListItemRow.__table__),
    _part("c", ParentalControlsRow.__table__),
).order_by(
    literal_column("kind"),
    literal_column("place"),
    literal_column("first_at"),
    literal_column("latest_at").desc(),
    literal_column("s1"),
)
_TO_DOMAIN: dict[str, Callable[[SimpleNamespace], Any]] = {
    "p": profile_of,
    "d": device_of,
    "l": item_of,
    "c": controls_of,
}


def _household(rows: Sequence[Row[*tuple[Any, ...]]]) -> Household:
    household = Household()
    parts: dict[str, list[Any]] = {
        "p": household.profiles,
        "d": household.devices,
        "l": household.my_list,
        "c": [],
    }
    for row in rows:
        values = row._mapping
        named = SimpleNamespace(**{column: values[slot] for column, slot in _SLOTS_OF[row.kind].items()})
        parts[row.kind].append(_TO_DOMAIN[row.kind](named))
    if parts["c"]:
        household.controls = parts["c"][0]
    return household


async def household_of(connection: AsyncConnection, user_id: str) -> Household:
    """Every profile, device, list item and the parental controls of the account, in one read."""
    return _household((await connection.execute(_HOUSEHOLD, {"user_id": user_id})).all())
