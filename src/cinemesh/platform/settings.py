"""Typed settings, read from `CINEMESH_*` environment variables (and a `.env` file).

A `Settings` object is built once by a composition root and passed in; nothing reads it from a
global. Outside dev mode the built-in development secrets are refused, so a deployment can never
run on a key that is published in this repository.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "cinemesh-dev-secret-do-not-use-in-production"  # noqa: S105 - refused outside dev mode


def settings_config(env_prefix: str) -> SettingsConfigDict:
    """How every settings class (the platform's and each service's) reads its environment.

    An empty variable (`CINEMESH_PORT=`) counts as unset rather than as an invalid value."""
    return SettingsConfigDict(env_prefix=env_prefix, env_file=".env", extra="ignore", env_ignore_empty=True)


class InsecureSettingsError(ValueError):
    """A development default was left in place outside dev mode."""


class Settings(BaseSettings):
    model_config = settings_config("CINEMESH_")

    dev_mode: bool = Field(True, description="Development mode: allows built-in secrets, logs mail links.")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    public_url: str | None = Field(None, description="Base URL clients use; default http://HOST:PORT.")
    data_dir: Path = Path("data")
    log_level: str = "INFO"
    log_json: bool = False

    # Relational data: one database per service. `{service}` in the URL is replaced by the
    # service name; unset means an SQLite file per service under the data dir.
    database_url: str | None = Field(
        None, description="e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/cinemesh_{service}"
    )

    event_bus: Literal["embedded", "kafka"] = "embedded"
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_topic_prefix: str = ""

    object_store: Literal["filesystem", "s3"] = "filesystem"
    s3_endpoint_url: str | None = None
    s3_bucket: str = "cinemesh"
    s3_region: str = "us-east-1"
    s3_access_key_id: SecretStr | None = None
    s3_secret_access_key: SecretStr | None = None

    cache: Literal["memory", "redis"] = "memory"
    redis_url: str = "redis://127.0.0.1:6379/0"

    secret_key: SecretStr = SecretStr(DEV_SECRET)
    access_token_ttl_seconds: int = Field(900, ge=30)
    refresh_token_ttl_seconds: int = Field(30 * 24 * 3600, ge=60)
    max_request_body_bytes: int = Field(1024 * 1024, ge=1024)

    metrics_token: SecretStr | None = Field(
        None,
        min_length=16,
        description="Bearer token a Prometheus scraper sends for /metrics; unset: /metrics is not served.",
    )

    admin_email: str | None = None
    admin_password: SecretStr | None = None

    # `cinemesh serve gateway`: where each service runs, e.g. CINEMESH_UPSTREAMS='{"users": "http://..."}'
    upstreams: dict[str, str] = Field(default_factory=dict)
    upstream_timeout_seconds: float = Field(10.0, gt=0)
    upstream_max_concurrency: int = Field(64, ge=1)

    @model_validator(mode="after")
    def _refuse_dev_secrets_in_production(self) -> Settings:
        if not self.dev_mode and self.secret_key.get_secret_value() == DEV_SECRET:
            raise InsecureSettingsError(
                "CINEMESH_SECRET_KEY still holds the development default; set a real secret "
                "or CINEMESH_DEV_MODE=true"
            )
        if not self.dev_mode and len(self.secret_key.get_secret_value()) < 32:
            raise InsecureSettingsError("CINEMESH_SECRET_KEY must be at least 32 characters")
        return self

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def metrics_bearer(self) -> str | None:
        return self.metrics_token.get_secret_value() if self.metrics_token else None

    def database_url_for(self, service: str) -> str:
        if self.database_url:
            return self.database_url.replace("{service}", service)
        return f"sqlite+aiosqlite:///{(self.data_dir / f'{service}.db').resolve()}"
