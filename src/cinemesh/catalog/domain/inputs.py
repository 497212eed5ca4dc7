"""What editors and content providers send: validated at the edge, shared by the API and import."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from cinemesh.catalog.domain.titles import ContentType
from cinemesh.contracts.ratings import MaturityRating

Genre = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=40)]
# BCP 47 in its common shapes: "en", "pt-BR", "zh-Hant".
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", max_length=16)]
VideoId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
MAX_TRAILERS = 10  # per title; media's trailer uploads beyond it are not listed
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$", to_upper=True)]


class WindowInput(Strict):
    # An ISO 3166-1 alpha-2 code, or "*": worldwide, less `except_countries`.
    country: Annotated[str, StringConstraints(pattern=r"^([A-Za-z]{2}|\*)$", to_upper=True)]
    starts_at: AwareDatetime
    ends_at: AwareDatetime | None = None
    except_countries: list[CountryCode] = Field(default_factory=list, max_length=249)

    @model_validator(mode="after")
    def _exceptions_only_worldwide(self) -> WindowInput:
        if self.except_countries and self.country != "*":
            raise ValueError('except_countries needs a worldwide window (country "*")')
        self.except_countries = sorted(set(self.except_countries))
        return self


class CastInput(Strict):
    name: Name
    character: Name | None = None


class CrewInput(Strict):
    name: Name
    job: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=40)]

    @model_validator(mode="after")
    def _not_actor(self) -> CrewInput:
        if self.job == "actor":
            raise ValueError("actors belong in cast")
        return self


class EpisodeInput(Strict):
    number: int = Field(ge=1, le=10_000)
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    synopsis: str | None = Field(None, max_length=5000)
    runtime_minutes: int | None = Field(None, ge=1, le=1000)


class SeasonInput(Strict):
    number: int = Field(ge=0, le=1000)  # 0: specials
    name: str | None = Field(None, max_length=300)
    episodes: list[EpisodeInput] = Field(default_factory=list, max_length=500)

    @model_validator(mode="after")
    def _unique_episodes(self) -> SeasonInput:
        numbers = [episode.number for episode in self.episodes]
        if len(numbers) != len(set(numbers)):
            raise ValueError("episode numbers repeat within the season")
        return self


class MetadataInput(Strict):
    """Every editable field; on PATCH only those sent change."""

    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    description: str | None = Field(None, max_length=5000)
    maturity_rating: MaturityRating | None = None
    release_year: int | None = Field(None, ge=1878, le=2100)
    release_date: dt.date | None = None
    runtime_minutes: int | None = Field(None, ge=1, le=1000)
    genres: list[Genre] = Field(default_factory=list, max_length=20)
    audio_languages: list[Language] = Field(default_factory=list, max_length=50)
    subtitle_languages: list[Language] = Field(default_factory=list, max_length=80)
    cast: list[CastInput] = Field(default_factory=list, max_length=200)
    crew: list[CrewInput] = Field(default_factory=list, max_length=200)
    trailers: list[VideoId] = Field(default_factory=list, max_length=MAX_TRAILERS)
    seasons: list[SeasonInput] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _consistent(self) -> MetadataInput:
        numbers = [season.number for season in self.seasons]
        if len(numbers) != len(set(numbers)):
            raise ValueError("season numbers repeat")
        if self.release_date is not None and self.release_year is None:
            self.release_year = self.release_date.year
        return self


class TitleInput(MetadataInput):
    type: ContentType
    external_id: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    # None leaves the windows as they are; a list (even empty) replaces them.
    availability: list[WindowInput] | None = Field(None, max_length=500)

    @model_validator(mode="after")
    def _seasons_only_for_series(self) -> TitleInput:
        if self.seasons and self.type != ContentType.TV_SERIES:
            raise ValueError("only a tv_series has seasons")
        return self


class TitlePatch(Strict):
    """A partial update: the same fields as `MetadataInput`, each optional."""

    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)] | None = (
        None
    )
    description: str | None = Field(None, max_length=5000)
    maturity_rating: MaturityRating | None = None
    release_year: int | None = Field(None, ge=1878, le=2100)
    release_date: dt.date | None = None
    runtime_minutes: int | None = Field(None, ge=1, le=1000)
    genres: list[Genre] | None = Field(None, max_length=20)
    audio_languages: list[Language] | None = Field(None, max_length=50)
    subtitle_languages: list[Language] | None = Field(None, max_length=80)
    cast: list[CastInput] | None = Field(None, max_length=200)
    crew: list[CrewInput] | None = Field(None, max_length=200)
    trailers: list[VideoId] | None = Field(None, max_length=MAX_TRAILERS)
    seasons: list[SeasonInput] | None = Field(None, max_length=100)


class VideoInput(Strict):
    video_id: VideoId
