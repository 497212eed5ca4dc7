"""The concurrent-stream limit holds across processes: two delivery instances on one
PostgreSQL database (as `cinemesh serve delivery` twice) race to start sessions for one account."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from cinemesh.platform.tokens import SigningKey, TokenIssuer
from tests.fixtures.cmaf import CmafVideo
from tests.integration.delivery.harness import running_delivery

pytestmark = pytest.mark.timeout(120)


async def test_two_instances_never_exceed_the_plan(
    tmp_path: Path, cmaf_video: CmafVideo, postgres_url_factory: Callable[[str], str]
) -> None:
    url = postgres_url_factory("delivery")
    issuer = TokenIssuer([SigningKey.generate()], ttl_seconds=600)
    async with (
        running_delivery(tmp_path / "a", cmaf_video, issuer=issuer, database_url=url) as a,
        running_delivery(tmp_path / "b", cmaf_video, issuer=issuer, database_url=url) as b,
    ):
        await a.publish_title()
        b.content_id = a.content_id
        for tier, allowed in (("basic", 1), ("standard", 2)):
            viewer = await a.viewer(tier=tier)
            attempts = [a.start(viewer) for _ in range(3)] + [b.start(viewer) for _ in range(3)]
            results = await asyncio.gather(*attempts)
            codes = sorted(r.status_code for r in results)
            assert codes == [201] * allowed + [409] * (6 - allowed), [r.text for r in results]
