"""Changing a title aggregate in the write model from validated input.

Collections are synchronised in place (rows kept where their key survives) rather than replaced,
so ids of seasons and episodes are stable across edits and re-imports, and an unchanged import
row touches nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from sqlalchemy.orm.attributes import set_committed_value

from cinemesh.catalog.database import utc
from cinemesh.catalog.domain.inputs import MetadataInput, TitleInput, WindowInput
from cinemesh.catalog.domain.titles import Window, check_windows
from cinemesh.catalog.write.store.tables import (
    CreditRow,
    EpisodeRow,
    GenreRow,
    LanguageRow,
    MediaRow,
    SeasonRow,
    TitleRow,
    WindowRow,
)
from cinemesh.platform.ids import new_id_str

Row = TypeVar("Row")

SCALARS = ("title", "description", "maturity_rating", "release_year", "release_date", "runtime_minutes")


def new_title(*, content_type: str, created_by: str, external_id: str | None, now: dt.datetime) -> TitleRow:
    row = TitleRow(
        id=new_id_str(),
        external_id=external_id,
        title="",
        content_type=content_type,
        status="draft",
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    # Empty collections, known to be loaded (a new title has nothing stored), without the change
    # events six list assignments fire: that was a fifth of a bulk import's time.
    for collection in _COLLECTIONS:
        set_committed_value(row, collection, [])
    return row


_COLLECTIONS = ("genres", "languages", "credits", "seasons", "windows", "media")


def editable_state(row: TitleRow) -> dict[str, Any]:
    """The title in the shape of `TitleInput.model_dump(mode="json")`: equal means nothing to do."""
    return TitleInput.model_validate(
        {
            "type": row.content_type,
            "external_id": row.external_id,
            "title": row.title,
            "description": row.description,
            "maturity_rating": row.maturity_rating,
            "release_year": row.release_year,
            "release_date": row.release_date,
            "runtime_minutes": row.runtime_minutes,
            "genres": [g.genre for g in row.genres],
            "audio_languages": [lang.language for lang in row.languages if lang.kind == "audio"],
            "subtitle_languages": [lang.language for lang in row.languages if lang.kind == "subtitle"],
            "cast": [{"name": c.name, "character": c.character} for c in row.credits if c.role == "actor"],
            "crew": [{"name": c.name, "job": c.role} for c in row.credits if c.role != "actor"],
            "trailers": [m.ref for m in row.media if m.kind == "trailer"],
            "seasons": [
                {
                    "number": s.number,
                    "name": s.name,
                    "episodes": [
                        {
                            "number": e.number,
                            "name": e.name,
                            "synopsis": e.synopsis,
                            "runtime_minutes": e.runtime_minutes,
                        }
                        for e in s.episodes
                    ],
                }
                for s in row.seasons
            ],
            "availability": [
                {
                    "country": w.country,
                    "starts_at": utc(w.starts_at),
                    "ends_at": w.ends_at and utc(w.ends_at),
                    "except_countries": w.except_countries or [],
                }
                for w in row.windows
                if w.content_id == row.id
            ],
        }
    ).model_dump(mode="json")


def normalised(data: TitleInput) -> dict[str, Any]:
    """Input in canonical order (sets sorted, windows sorted), comparable with `editable_state`."""
    dumped = data.model_dump(mode="json")
    for key in ("genres", "audio_languages", "subtitle_languages"):
        dumped[key] = sorted(set(dumped[key]))
    dumped["seasons"] = sorted(
        ({**s, "episodes": sorted(s["episodes"], key=lambda e: e["number"])} for s in dumped["seasons"]),
        key=lambda s: s["number"],
    )
    if dumped["availability"] is not None:
        dumped["availability"] = sorted(dumped["availability"], key=lambda w: (w["country"], w["starts_at"]))
    return dumped


def _sync(
    rows: list[Row], wanted: Iterable[Any], key: Callable[[Row], Any], make: Callable[[Any], Row]
) -> None:
    """Keeps rows whose key is wanted, drops the others, adds what is missing."""
    wanted_keys = list(dict.fromkeys(wanted))
    existing = {key(row): row for row in rows}
    rows[:] = [existing[k] if k in existing else make(k) for k in wanted_keys]


def apply_metadata(row: TitleRow, fields: dict[str, Any], *, now: dt.datetime) -> None:
    """Applies the fields present in `fields` (a `MetadataInput`-shaped dump, possibly partial)."""
    parsed = MetadataInput.model_validate({"title": row.title or "x", **fields})
    for name in SCALARS:
        if name in fields:
            setattr(row, name, getattr(parsed, name))
    if "release_date" in fields and parsed.release_date is not None and "release_year" not in fields:
        row.release_year = parsed.release_date.year
    if "genres" in fields:
        _sync(row.genres, sorted(set(parsed.genres)), lambda g: g.genre, lambda g: GenreRow(genre=g))
    if "audio_languages" in fields or "subtitle_languages" in fields:
        audio = parsed.audio_languages if "audio_languages" in fields else _languages(row, "audio")
        subtitle = (
            parsed.subtitle_languages if "subtitle_languages" in fields else _languages(row, "subtitle")
        )
        wanted = sorted({("audio", lang) for lang in audio} | {("subtitle", lang) for lang in subtitle})
        _sync(
            row.languages,
            wanted,
            lambda lang: (lang.kind, lang.language),
            lambda k: LanguageRow(kind=k[0], language=k[1]),
        )
    if "cast" in fields or "crew" in fields:
        cast = (
            [(c.name, "actor", c.character) for c in parsed.cast] if "cast" in fields else _credits(row, True)
        )
        crew = [(c.name, c.job, None) for c in parsed.crew] if "crew" in fields else _credits(row, False)
        _set_credits(row, [*cast, *crew])
    if "trailers" in fields:
        others = [m for m in row.media if m.kind != "trailer"]
        trailers = {m.position: m for m in row.media if m.kind == "trailer"}
        for position, video_id in enumerate(parsed.trailers):
            media = trailers.get(position) or MediaRow(kind="trailer", position=position)
            media.ref = video_id
            trailers[position] = media
        row.media = others + [trailers[p] for p in range(len(parsed.trailers))]
    if "seasons" in fields:
        _set_seasons(row, parsed)
    row.updated_at = now


def _languages(row: TitleRow, kind: str) -> list[str]:
    return [lang.language for lang in row.languages if lang.kind == kind]


def _credits(row: TitleRow, actors: bool) -> list[tuple[str, str, str | None]]:
    return [(c.name, c.role, c.character) for c in row.credits if (c.role == "actor") == actors]


def _set_credits(row: TitleRow, credits: list[tuple[str, str, str | None]]) -> None:
    by_position = {c.position: c for c in row.credits}
    updated = []
    for position, (name, role, character) in enumerate(credits):
        credit = by_position.get(position) or CreditRow(position=position)
        credit.name, credit.role, credit.character = name, role, character
        updated.append(credit)
    row.credits = updated


def _set_seasons(row: TitleRow, parsed: MetadataInput) -> None:
    existing = {season.number: season for season in row.seasons}
    seasons = []
    for wanted in sorted(parsed.seasons, key=lambda s: s.number):
        season = existing.get(wanted.number) or SeasonRow(id=new_id_str(), number=wanted.number, episodes=[])
        season.name = wanted.name
        episodes = {episode.number: episode for episode in season.episodes}
        kept = []
        for wanted_episode in sorted(wanted.episodes, key=lambda e: e.number):
            episode = episodes.get(wanted_episode.number) or EpisodeRow(
                id=new_id_str(), number=wanted_episode.number
            )
            episode.name = wanted_episode.name
            episode.synopsis = wanted_episode.synopsis
            episode.runtime_minutes = wanted_episode.runtime_minutes
            kept.append(episode)
        season.episodes = kept
        seasons.append(season)
    row.seasons = seasons
    episode_ids = {episode.id for season in seasons for episode in season.episodes}
    # Windows of episodes that no longer exist go with them.
    row.windows = [w for w in row.windows if w.content_id == row.id or w.content_id in episode_ids]


def set_windows(
    row: TitleRow, content_id: str, windows: list[WindowInput], *, now: dt.datetime
) -> list[Window]:
    """Replaces the windows of the title or one of its episodes; raises InvalidWindowError."""
    checked = check_windows(domain_windows(windows))
    row.windows = [w for w in row.windows if w.content_id != content_id] + [
        WindowRow(
            content_id=content_id,
            country=w.country,
            starts_at=w.starts_at,
            ends_at=w.ends_at,
            except_countries=sorted(w.except_countries) or None,
        )
        for w in checked
    ]
    row.updated_at = now
    return checked


def domain_windows(windows: Iterable[WindowInput]) -> list[Window]:
    return [Window(w.country, w.starts_at, w.ends_at, frozenset(w.except_countries)) for w in windows]


def _window(row: WindowRow) -> Window:
    return Window(
        row.country,
        utc(row.starts_at),
        utc(row.ends_at) if row.ends_at else None,
        frozenset(row.except_countries or ()),
    )


def windows_of_row(row: TitleRow, content_id: str) -> list[Window]:
    return [_window(w) for w in row.windows if w.content_id == content_id]


def all_windows_of_row(row: TitleRow) -> list[Window]:
    """The title's windows and every episode's."""
    return [_window(w) for w in row.windows]


def episode_ids(row: TitleRow) -> set[str]:
    return {episode.id for season in row.seasons for episode in season.episodes}


def has_playable_video(row: TitleRow) -> bool:
    """A series is playable once one of its episodes has a video; anything else needs its own."""
    if row.content_type == "tv_series":
        return any(episode.video_id for season in row.seasons for episode in season.episodes)
    return row.video_id is not None
