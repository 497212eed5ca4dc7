from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from cinemesh.platform.crypto import DecryptionError, SecretBox
from cinemesh.platform.db import Database
from cinemesh.platform.settings import Settings


def test_dev_secret_is_refused_outside_dev_mode() -> None:
    with pytest.raises(ValidationError, match="CINEMESH_SECRET_KEY"):
        Settings(dev_mode=False)
    with pytest.raises(ValidationError, match="at least 32"):
        Settings(dev_mode=False, secret_key=SecretStr("short"))
    assert not Settings(dev_mode=False, secret_key=SecretStr("s" * 40)).dev_mode


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CINEMESH_PORT", "9123")
    monkeypatch.setenv("CINEMESH_UPSTREAMS", '{"users": "http://u:1"}')
    settings = Settings()
    assert settings.port == 9123
    assert settings.upstreams == {"users": "http://u:1"}


def test_each_service_gets_its_own_database(tmp_path: object) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.database_url_for("users").endswith("/users.db")
    per_database = Settings(database_url="postgresql+asyncpg://pg/cinemesh_{service}")
    assert per_database.database_url_for("catalog") == "postgresql+asyncpg://pg/cinemesh_catalog"
    assert Database.for_service(per_database, "catalog").schema is None
    shared = Settings(database_url="postgresql+asyncpg://pg/cinemesh")
    assert Database.for_service(shared, "catalog").schema == "catalog"


def test_secret_box_round_trip_and_refusals() -> None:
    box = SecretBox("m" * 32, purpose="keys")
    sealed = box.encrypt(b"private key")
    assert b"private key" not in sealed
    assert box.decrypt(sealed) == b"private key"
    assert box.encrypt(b"private key") != sealed  # fresh data key and nonces every time
    with pytest.raises(DecryptionError):
        SecretBox("n" * 32, purpose="keys").decrypt(sealed)
    with pytest.raises(DecryptionError):
        SecretBox("m" * 32, purpose="other").decrypt(sealed)
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(DecryptionError):
        box.decrypt(tampered)


def test_empty_variables_count_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    # `make` exports an unset variable as empty; that must not break every settings object.
    monkeypatch.setenv("CINEMESH_PORT", "")
    monkeypatch.setenv("CINEMESH_DEV_MODE", "")
    settings = Settings()
    assert settings.port == 8000 and settings.dev_mode
