"""Delivery secrets: derived from the platform secret by default, never weak outside dev mode."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from cinemesh.delivery.settings import DeliverySettings, master_key, signing_secret
from cinemesh.platform.settings import InsecureSettingsError, Settings

PRODUCTION = Settings(dev_mode=False, secret_key=SecretStr("a-production-secret-key-of-enough-length-0123"))


def test_signing_secret_is_derived_per_purpose_and_per_deployment() -> None:
    derived = signing_secret(PRODUCTION, DeliverySettings())
    assert derived != PRODUCTION.secret_key.get_secret_value() and len(derived) >= 43
    other = Settings(dev_mode=False, secret_key=SecretStr("another-production-secret-key-0123456789"))
    assert signing_secret(other, DeliverySettings()) != derived
    assert master_key(PRODUCTION, DeliverySettings()) == PRODUCTION.secret_key.get_secret_value()


def test_short_explicit_secrets_are_refused_outside_dev_mode() -> None:
    weak = DeliverySettings(signing_secret=SecretStr("short"), master_key=SecretStr("short"))
    with pytest.raises(InsecureSettingsError):
        signing_secret(PRODUCTION, weak)
    with pytest.raises(InsecureSettingsError):
        master_key(PRODUCTION, weak)
    assert signing_secret(Settings(), weak) == "short"  # dev mode allows it


def test_the_platform_refuses_the_development_secret_outside_dev_mode() -> None:
    with pytest.raises(ValueError, match="development default"):  # pydantic wraps the error
        Settings(dev_mode=False)
