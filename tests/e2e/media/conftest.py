"""What the media e2e tests share: a client logged in as the platform's first admin."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.fixtures.platform import RunningPlatform


@pytest.fixture
def admin(platform: RunningPlatform) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=platform.base_url, timeout=30) as client:
        login = client.post(
            "/api/v1/auth/login", json={"email": platform.admin_email, "password": platform.admin_password}
        )
        assert login.status_code == 200, login.text
        client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        yield client
