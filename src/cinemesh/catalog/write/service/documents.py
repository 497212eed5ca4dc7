"""The denormalised title document: what the write model publishes and the read model stores.

Every catalog event that changes a title carries the whole document (`TitleUpdatedV1.document`),
so the read model is a fold of snapshots: replaying the log rebuilds exactly the same rows
(the read side's view of a document: `read/domain/documents.py`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cinemesh.catalog.database import utc
from cinemesh.catalog.domain.titles import ImageKind
from cinemesh.catalog.write.store.tables import TitleRow, WindowRow

IMAGE_URL = "/api/v1/titles/{title_id}/images/{kind}"


def _iso(value: dt.datetime | None) -> str | None:
    return utc(value).isoformat() if value is not None else None


def window_dicts(rows: list[WindowRow], content_id: str) -> list[dict[str, Any]]:
    return [
        {
            "country": w.country,
            "starts_at": _iso(w.starts_at),
            "ends_at": _iso(w.ends_at),
            "except_countries": w.except_countries or [],
        }
        for w in rows
        if w.content_id == content_id
    ]


def build_document(row: TitleRow) -> dict[str, Any]:
    images = {
        m.kind: {
            "url": IMAGE_URL.format(title_id=row.id, kind=m.kind),
            "content_type": m.content_type,
            "etag": m.etag,
        }
        for m in row.media
        if m.kind in ImageKind.__members__.values()
    }
    return {
        "id": row.id,
        "external_id": row.external_id,
        "title": row.title,
        "type": row.content_type,
        "status": row.status,
        "description": row.description,
        "maturity_rating": row.maturity_rating,
        "release_year": row.release_year,
        "release_date": row.release_date.isoformat() if row.release_date else None,
        "runtime_minutes": row.runtime_minutes,
        "genres": [g.genre for g in row.genres],
        "audio_languages": [lang.language for lang in row.languages if lang.kind == "audio"],
        "subtitle_languages": [lang.language for lang in row.languages if lang.kind == "subtitle"],
        "cast": [{"name": c.name, "character": c.character} for c in row.credits if c.role == "actor"],
        "crew": [{"name": c.name, "job": c.role} for c in row.credits if c.role != "actor"],
        "images": images,
        "trailers": [m.ref for m in row.media if m.kind == "trailer"],
        "video_id": row.video_id,
        "availability": window_dicts(row.windows, row.id),
        "seasons": [
            {
                "id": season.id,
                "number": season.number,
                "name": season.name,
                "episodes": [
                    {
                        "id": episode.id,
                        "number": episode.number,
                        "name": episode.name,
                        "synopsis": episode.synopsis,
                        "runtime_minutes": episode.runtime_minutes,
                        "video_id": episode.video_id,
                        # Empty: the episode follows the title's windows.
                        "availability": window_dicts(row.windows, episode.id),
                    }
                    for episode in season.episodes
                ],
            }
            for season in row.seasons
        ],
        "created_by": row.created_by,
        "created_at": _iso(row.created_at),
        "updated_at": _iso(row.updated_at),
        "published_at": _iso(row.published_at),
        "version": row.version,
    }


def editor_card(row: TitleRow) -> dict[str, Any]:
    """A row of the editor listing: what a table of titles in any status needs."""
    return {
        "id": row.id,
        "title": row.title,
        "type": row.content_type,
        "status": row.status,
        "maturity_rating": row.maturity_rating,
        "release_year": row.release_year,
        "genres": [g.genre for g in row.genres],
        "external_id": row.external_id,
        "created_by": row.created_by,
        "updated_at": _iso(row.updated_at),
        "version": row.version,
    }
