"""Settings of the catalog service (`CINEMESH_CATALOG_*`)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings

from cinemesh.platform.settings import settings_config


class CatalogSettings(BaseSettings):
    model_config = settings_config("CINEMESH_CATALOG_")

    # The CDN/edge proves itself with this shared secret in `X-Edge-Secret`; only then is its
    # `X-Viewer-Country` believed. Unset: the header is never trusted by secret.
    edge_secret: SecretStr | None = None
    # Or: requests from these proxy addresses/networks (CIDR) are trusted to set the country.
    trusted_proxies: list[str] = Field(default_factory=list)
    # The region of viewers nobody vouches for (anonymous, or a token without a country claim):
    # a deployment's home market, so a landing page shows something. Unset: they see nothing.
    default_country: str | None = Field(None, pattern=r"^[A-Z]{2}$")
    expiry_interval_seconds: float = Field(60.0, gt=0)
    max_image_bytes: int = Field(5 * 1024 * 1024, ge=1024)
    max_import_bytes: int = Field(16 * 1024 * 1024, ge=1024)
    # Longer imports become a job (202 + status URL): a gateway gives an answer 10 s at most.
    import_sync_max_lines: int = Field(1000, ge=0)
    page_size_default: int = Field(24, ge=1, le=100)
