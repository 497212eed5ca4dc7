"""Settings of the users service alone, read from `CINEMESH_USERS_*` environment variables."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings

from cinemesh.platform.settings import settings_config


class OidcProviderSettings(BaseModel):
    """One OpenID Connect provider a user may sign in with (e.g. "google")."""

    issuer: str = Field(description="Issuer URL; its /.well-known/openid-configuration is read.")
    client_id: str
    client_secret: SecretStr | None = None
    scope: str = "openid email profile"


class UsersSettings(BaseSettings):
    model_config = settings_config("CINEMESH_USERS_")

    # argon2id cost: OWASP's baseline (19 MiB, t=2), the cheapest setting it recommends at this
    # memory, and the one nearest 50 ms per hash on the reference machine (bench/login.py).
    argon2_time_cost: int = Field(2, ge=1)
    argon2_memory_kib: int = Field(19 * 1024, ge=8 * 1024)
    argon2_parallelism: int = Field(1, ge=1)

    # Lockout after repeated failures (login per account, PIN per account).
    max_failed_logins: int = Field(5, ge=1)
    login_lockout_seconds: int = Field(15 * 60, ge=1)
    max_failed_pins: int = Field(5, ge=1)
    pin_lockout_seconds: int = Field(15 * 60, ge=1)
    # Throttles on the anonymous routes, per client (the caller's address as the gateway saw
    # it) and per address: failed logins, and password-reset requests (each sends a mail).
    login_failures_per_client: int = Field(30, ge=1)
    login_client_window_seconds: int = Field(15 * 60, ge=1)
    resets_per_address: int = Field(3, ge=1)
    resets_per_client: int = Field(10, ge=1)
    reset_window_seconds: int = Field(3600, ge=1)
    # Reset mails waiting for the worker; past this, new ones are dropped (and logged).
    mail_queue_capacity: int = Field(1000, ge=1)

    unlock_token_ttl_seconds: int = Field(10 * 60, ge=30)
    email_token_ttl_seconds: int = Field(24 * 3600, ge=60)
    # A rotated-in key is published this long before it signs, so verifiers that cache the JWKS
    # (the gateway refreshes at most every 10 s) already know it when its first token arrives.
    key_activation_delay_seconds: float = Field(15.0, ge=0)
    # With several users processes, each re-reads the key table this often (rotation, retirement).
    key_reload_interval_seconds: float = Field(30.0, gt=0)

    mailer: Literal["log", "smtp"] = "log"
    mail_from: str = "Cinemesh <no-reply@cinemesh.localhost>"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = Field(10.0, gt=0)

    # Social login, e.g. CINEMESH_USERS_OIDC_PROVIDERS='{"google": {"issuer": ..., "client_id": ...}}'
    oidc_providers: dict[str, OidcProviderSettings] = Field(default_factory=dict)
    # Where the browser lands after social login, tokens in the URL fragment; unset: JSON answer.
    oidc_success_redirect: str | None = None
