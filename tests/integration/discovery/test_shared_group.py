"""Two processes of discovery in one consumer group (an API process beside `cinemesh worker`):
each event reaches one of them, yet both answer with every title, through the stored table."""

from __future__ import annotations

import time

from cinemesh.platform.settings import Settings
from cinemesh.platform.tokens import SigningKey, TokenIssuer
from tests.integration.catalog.conftest import eventually, running_catalog
from tests.integration.discovery.conftest import Discovery, running_discovery

NAMES = ("Alpha Harbor", "Bravo Harbor", "Charlie Harbor", "Delta Harbor", "Echo Harbor", "Foxtrot Harbor")


async def test_both_processes_find_every_title(discovery_settings: Settings) -> None:
    issuer = TokenIssuer([SigningKey.generate()], ttl_seconds=600)
    async with (
        running_catalog(discovery_settings, issuer) as catalog,
        running_discovery(discovery_settings, catalog) as api,
        running_discovery(discovery_settings, catalog) as worker,
    ):
        for name in NAMES:
            await catalog.publish_title({"title": name, "type": "movie", "maturity_rating": "G"})
        published = time.monotonic()
        for process in (api, worker):

            async def everything(process: Discovery = process) -> bool:
                return sorted(await process.titles("harbor")) == sorted(NAMES)

            await eventually(everything, what="both processes to find every title", timeout=10)
        assert time.monotonic() - published < 5
