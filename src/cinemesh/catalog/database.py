"""What the catalog's write and read sides share in its one database: the declarative base
(one metadata for the migrations), the JSON document column and UTC times."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase

JSON_DOCUMENT = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: DateTime(timezone=True), dt.date: Date}


def utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; everything here is stored and compared in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
