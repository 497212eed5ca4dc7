"""Discovery settings (`CINEMESH_DISCOVERY_*`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings

from cinemesh.platform.settings import settings_config


class DiscoverySettings(BaseSettings):
    model_config = settings_config("CINEMESH_DISCOVERY_")

    # The region of viewers nobody vouches for (anonymous, or a token without a country claim);
    # set it as the catalog's CINEMESH_CATALOG_DEFAULT_COUNTRY so search shows what browse does.
    default_country: str | None = Field(None, pattern=r"^[A-Z]{2}$")
    page_size_default: int = Field(20, ge=1, le=100)
    max_offset: int = Field(1000, ge=0, description="How deep pages of one query go (cursor offsets).")
    suggest_size: int = Field(6, ge=1, le=20)
    refresh_seconds: float = Field(
        0.5, gt=0, description="How often the index takes in snapshots another process stored."
    )
    row_size: int = Field(20, ge=1, le=100, description="Titles per recommendation row.")
    retrain_seconds: float = Field(
        300, gt=0, description="How often the recommendation models are retrained (a job in the worker)."
    )
    ease_lambda: float = Field(250.0, gt=0, description="EASE's L2 regularisation.")
    ease_max_items: int = Field(
        4000, ge=10, description="Titles EASE models (the most watched); the dense solve is cubic in them."
    )
    cowatch_neighbours: int = Field(50, ge=1, le=500, description="Co-watch edges kept per title.")
    trending_half_life_hours: float = Field(72.0, gt=0, description="Trending's time decay.")
