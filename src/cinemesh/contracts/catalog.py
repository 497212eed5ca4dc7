"""Events the catalog service publishes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cinemesh.contracts.events import EventContract

CATALOG_TOPIC = "catalog.title"


class TitleCreatedV1(EventContract):
    event_type = "catalog.title.created.v1"
    topic = CATALOG_TOPIC
    subject_field = "title_id"

    title_id: str
    title: str
    content_type: str
    status: str
    created_by: str
    created_at: dt.datetime
    attributes: dict[str, Any] = {}
