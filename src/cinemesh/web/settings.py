"""Settings of the web app, read from `CINEMESH_WEB_*` (and `CINEMESH_DEMO`) environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from cinemesh.platform.settings import settings_config

DEFAULT_DIST = Path(__file__).parent / "static" / "dist"


class WebSettings(BaseSettings):
    model_config = settings_config("CINEMESH_WEB_") | SettingsConfigDict(populate_by_name=True)

    dist_dir: Path = Field(DEFAULT_DIST, description="The built front end (`make web`).")
    demo: bool = Field(
        True,
        validation_alias=AliasChoices("CINEMESH_DEMO", "CINEMESH_WEB_DEMO"),
        description="Seed a demo catalog on an empty platform after start (`cinemesh up --no-demo`: off).",
    )
    demo_clip_seconds: float = Field(8.0, gt=1, le=60, description="Length of each demo video.")
    demo_ready_timeout_seconds: float = Field(900.0, gt=0)
    oidc_providers: list[str] = Field(
        default_factory=list, description="Social-login buttons to show, e.g. '[\"google\"]'."
    )
