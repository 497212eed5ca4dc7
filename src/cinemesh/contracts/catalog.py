"""Events the catalog service publishes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel

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


class AvailabilityWindow(BaseModel):
    """Where and when a title may be shown: ISO 3166-1 alpha-2 country, UTC bounds. `country` "*"
    is worldwide, less `except_countries` (added field: older payloads have none)."""

    country: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None = None  # open-ended
    except_countries: list[str] = []

    def is_open(self, country: str | None, at: dt.datetime) -> bool:
        """The one window rule: open for a viewer in `country` at `at` (a viewer without a
        region sees nothing). Browse and search apply it alike."""
        if country is None:
            return False
        covers = country not in self.except_countries if self.country == "*" else self.country == country
        return covers and self.starts_at <= at and (self.ends_at is None or at < self.ends_at)


class TitleUpdatedV1(EventContract):
    """Metadata changed; `document` is the full title as the read model shows it."""

    event_type = "catalog.title.updated.v1"
    topic = CATALOG_TOPIC
    subject_field = "title_id"

    title_id: str
    document: dict[str, Any]
    updated_at: dt.datetime


# `content_type` of a published trailer: `content_id` and `video_id` are both the trailer's video
# id, with the title's rating and windows. Delivery plays it without a subscription and without
# taking one of the plan's streams; it is unpublished with its title.
TRAILER_CONTENT_TYPE = "trailer"


class TitlePublishedV1(EventContract):
    """A title (or an episode, `content_id` != `title_id`, or a trailer, `content_type` "trailer")
    became playable where its windows allow."""

    event_type = "catalog.title.published.v1"
    topic = CATALOG_TOPIC
    subject_field = "title_id"

    title_id: str
    content_id: str
    content_type: str
    maturity_rating: str | None
    video_id: str | None
    windows: list[AvailabilityWindow]
    published_at: dt.datetime


class TitleUnpublishedV1(EventContract):
    """No longer playable anywhere: delivery refuses new sessions, the CDN purges its objects."""

    event_type = "catalog.title.unpublished.v1"
    topic = CATALOG_TOPIC
    subject_field = "title_id"

    title_id: str
    content_id: str
    video_id: str | None
    reason: str  # unpublished, archived, expired; removed (a trailer taken off a live title)
    unpublished_at: dt.datetime


class AvailabilityChangedV1(EventContract):
    event_type = "catalog.availability.changed.v1"
    topic = CATALOG_TOPIC
    subject_field = "title_id"

    title_id: str
    content_id: str
    video_id: str | None
    windows: list[AvailabilityWindow]
    changed_at: dt.datetime
