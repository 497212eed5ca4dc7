"""The delivery service's tables.

Projections (titles, videos, profiles, subscriptions, devices) are kept from other services'
events; sessions and content keys are delivery's own state.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, LargeBinary, String, true
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from cinemesh.contracts.media import FEATURE
from cinemesh.delivery.domain import Playable, ViewerProfile, Window


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: DateTime(timezone=True), dict[str, Any]: JSON, list[Any]: JSON}


def utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; everything here is stored in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class PlayableRow(Base):
    __tablename__ = "playables"

    content_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title_id: Mapped[str] = mapped_column(String(36), index=True)
    video_id: Mapped[str | None] = mapped_column(String(36), index=True)
    maturity_rating: Mapped[str | None] = mapped_column(String(16))
    published: Mapped[bool] = mapped_column(Boolean)
    windows: Mapped[list[Any]]
    updated_at: Mapped[dt.datetime]
    # The catalog's content type: movie, episode, ..., or "trailer"; null for rows older than it.
    content_type: Mapped[str | None] = mapped_column(String(32), default=None)

    def to_domain(self) -> Playable:
        return Playable(
            content_id=self.content_id,
            title_id=self.title_id,
            video_id=self.video_id,
            maturity_rating=self.maturity_rating,
            published=self.published,
            content_type=self.content_type,
            windows=[
                Window(
                    country=w["country"],
                    starts_at=dt.datetime.fromisoformat(w["starts_at"]),
                    ends_at=dt.datetime.fromisoformat(w["ends_at"]) if w.get("ends_at") else None,
                    except_countries=frozenset(w.get("except_countries") or ()),  # rows from before "*"
                )
                for w in self.windows
            ],
        )


class VideoRow(Base):
    __tablename__ = "videos"

    video_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title_id: Mapped[str] = mapped_column(String(36))
    storage_prefix: Mapped[str] = mapped_column(String(512))
    hls_master_key: Mapped[str] = mapped_column(String(1024))
    dash_manifest_key: Mapped[str | None] = mapped_column(String(1024))
    thumbnails_vtt_key: Mapped[str | None] = mapped_column(String(1024))
    renditions: Mapped[list[Any]]
    complete: Mapped[bool] = mapped_column(Boolean)
    duration_seconds: Mapped[float] = mapped_column(Float)
    transcoded_at: Mapped[dt.datetime]
    # What media says the upload was to its title (`contracts.media` kinds): a content published
    # as a trailer plays only a video uploaded as a trailer of that title.
    kind: Mapped[str] = mapped_column(String(16), default=FEATURE, server_default=FEATURE)


class ProfileRow(Base):
    __tablename__ = "profiles"

    profile_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36), index=True)
    max_maturity_rating: Mapped[str | None] = mapped_column(String(16))
    pin_required: Mapped[bool] = mapped_column(Boolean)

    def to_domain(self) -> ViewerProfile:
        return ViewerProfile(
            profile_id=self.profile_id,
            user_id=self.user_id,
            max_maturity_rating=self.max_maturity_rating,
            pin_required=self.pin_required,
        )


class AccountRow(Base):
    """One row per user: the subscription projection, and the row a session creation locks so
    concurrent creations for one account are serialised (the stream limit holds across processes)."""

    __tablename__ = "accounts"

    user_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tier: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[dt.datetime | None]
    # Billing's entitlements for the plan (null: the tier's defaults, domain.PLAN_LIMITS).
    max_height: Mapped[int | None]
    max_streams: Mapped[int | None]


class DeviceRow(Base):
    __tablename__ = "devices"

    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36), index=True)


class SessionRow(Base):
    __tablename__ = "playback_sessions"

    session_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36), index=True)
    profile_id: Mapped[str] = mapped_column(String(36))
    device_id: Mapped[str] = mapped_column(String(36))
    content_id: Mapped[str] = mapped_column(String(36))
    video_id: Mapped[str] = mapped_column(String(36), index=True)
    max_height: Mapped[int] = mapped_column(Integer)
    client_ip: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[dt.datetime]
    last_heartbeat_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    position_seconds: Mapped[float | None] = mapped_column(Float)
    ended_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    end_reason: Mapped[str | None] = mapped_column(String(32))
    # False for a trailer: it never takes one of the plan's concurrent streams.
    counts_toward_limit: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Progress reports received (heartbeats with a position): the reports' sequence in the session.
    reports: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    def is_live(self, *, now: dt.datetime, heartbeat_timeout: dt.timedelta) -> bool:
        return (
            self.ended_at is None
            and utc(self.last_heartbeat_at) + heartbeat_timeout > now
            and utc(self.expires_at) > now
        )


class ContentKeyRow(Base):
    __tablename__ = "content_keys"

    video_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kid: Mapped[str] = mapped_column(String(32))  # 16 bytes, hex; public (it is in the manifests)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)  # SecretBox envelope of the 16-byte key
    created_at: Mapped[dt.datetime]
