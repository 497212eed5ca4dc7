"""Delivery settings (`CINEMESH_DELIVERY_*`), read beside the platform's `Settings`.

The URL-signing secret and the content-key master key default to keys derived from
`CINEMESH_SECRET_KEY` (HKDF with a purpose string each), so a laptop needs no extra
configuration; outside dev mode the platform already refuses the development secret, and an
explicit signing secret shorter than 32 characters is refused here.
"""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings

from cinemesh.platform.settings import InsecureSettingsError, Settings, settings_config


class DeliverySettings(BaseSettings):
    model_config = settings_config("CINEMESH_DELIVERY_")

    signing_secret: SecretStr | None = Field(
        None, description="HMAC key of media URLs, shared with the edge; default derived from the secret key."
    )
    master_key: SecretStr | None = Field(
        None, description="Wraps content keys at rest; default derived from the secret key."
    )
    media_base_url: str = Field(
        "", description="Where players fetch media (the CDN edge); empty gives absolute-path URLs."
    )
    url_ttl_seconds: int = Field(6 * 3600, ge=60, description="Lifetime of the signed URLs of a session.")
    bind_ip: bool = Field(
        False, description="Bind signed URLs to the client IP the session was created from."
    )
    # A session stops counting towards the plan's streams this long after its last heartbeat
    # (players beat every third of it), so a crashed browser frees its stream within half a
    # minute. A phone that lost coverage for longer resumes its session with its next heartbeat
    # while the plan still has room, until the sweeper ends it `resume_window_seconds` after it.
    heartbeat_timeout_seconds: int = Field(30, ge=5)
    resume_window_seconds: int = Field(300, ge=0)
    sweep_interval_seconds: float = Field(30.0, gt=0)
    manifest_max_age_seconds: int = Field(5, ge=0)
    segment_max_age_seconds: int = Field(365 * 24 * 3600, ge=0)
    edge_purge_urls: list[str] = Field(
        default_factory=list, description="Base URLs of edge purge endpoints, e.g. http://edge:8081/purge"
    )
    # On S3: answer shared objects with a redirect to a presigned URL instead of streaming them
    # (offloads the origin, but the edge then caches nothing: for deployments without an edge).
    s3_presigned_redirect: bool = False
    cors_allow_origin: str = "*"
    # Peers whose X-Forwarded-For is believed (the edge), for IP-bound URLs behind it.
    trusted_proxies: list[str] = Field(default_factory=lambda: ["127.0.0.1", "::1"])
    # Packages HLS segments encrypted (AES-128) for every session; off serves clear CMAF.
    hls_aes128: bool = True
    # Signals ClearKey (CENC) in DASH manifests; needs the CENC package of each title.
    dash_clearkey: bool = True


def _derive(secret: str, purpose: str) -> str:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(secret.encode())
    return base64.urlsafe_b64encode(key).decode().rstrip("=")


def signing_secret(platform: Settings, delivery: DeliverySettings) -> str:
    if delivery.signing_secret is not None:
        value = delivery.signing_secret.get_secret_value()
        if not platform.dev_mode and len(value) < 32:
            raise InsecureSettingsError("CINEMESH_DELIVERY_SIGNING_SECRET must be at least 32 characters")
        return value
    # Settings already refuses the development secret key outside dev mode.
    return _derive(platform.secret_key.get_secret_value(), "cinemesh:delivery:url-signing")


def master_key(platform: Settings, delivery: DeliverySettings) -> str:
    if delivery.master_key is not None:
        value = delivery.master_key.get_secret_value()
        if not platform.dev_mode and len(value) < 32:
            raise InsecureSettingsError("CINEMESH_DELIVERY_MASTER_KEY must be at least 32 characters")
        return value
    return platform.secret_key.get_secret_value()
