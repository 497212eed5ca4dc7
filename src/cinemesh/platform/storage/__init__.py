"""Object storage port and its adapters: a directory on a laptop, S3 (or MinIO) at scale."""

from __future__ import annotations

from cinemesh.platform.settings import Settings
from cinemesh.platform.storage.base import (
    MAX_KEY_BYTES,
    InvalidKeyError,
    InvalidRangeError,
    ObjectInfo,
    ObjectNotFoundError,
    ObjectStore,
    ObjectStoreError,
    validate_key,
)
from cinemesh.platform.storage.filesystem import FilesystemObjectStore
from cinemesh.platform.storage.s3 import S3ObjectStore

__all__ = [
    "MAX_KEY_BYTES",
    "FilesystemObjectStore",
    "InvalidKeyError",
    "InvalidRangeError",
    "ObjectInfo",
    "ObjectNotFoundError",
    "ObjectStore",
    "ObjectStoreError",
    "S3ObjectStore",
    "build_object_store",
    "validate_key",
]


def build_object_store(settings: Settings) -> ObjectStore:
    """The adapter `settings.object_store` selects. Call `ensure_ready()` before first use."""
    if settings.object_store == "s3":
        key_id, secret = settings.s3_access_key_id, settings.s3_secret_access_key
        return S3ObjectStore(
            bucket=settings.s3_bucket,
            region=settings.s3_region,
            endpoint_url=settings.s3_endpoint_url,
            access_key_id=key_id.get_secret_value() if key_id else None,
            secret_access_key=secret.get_secret_value() if secret else None,
        )
    return FilesystemObjectStore(settings.data_dir / "objects")
