"""Search shows each audience exactly what browse shows it (one rule), and a replay from zero
rebuilds the same answers."""

from __future__ import annotations

from typing import Any

from cinemesh.discovery.events import SEARCH_GROUP
from cinemesh.platform.events.factory import build_event_bus
from cinemesh.platform.ids import new_id_str
from cinemesh.platform.settings import Settings
from cinemesh.platform.tokens import SigningKey, TokenIssuer
from tests.integration.catalog.conftest import eventually, running_catalog
from tests.integration.catalog.test_browse import profile
from tests.integration.discovery.conftest import Discovery, running_discovery

WINDOWS: dict[str, list[dict[str, Any]]] = {
    "us": [{"country": "US", "starts_at": "2020-01-01T00:00:00Z"}],
    "fr": [{"country": "FR", "starts_at": "2020-01-01T00:00:00Z"}],
    "world-but-fr": [{"country": "*", "starts_at": "2020-01-01T00:00:00Z", "except_countries": ["FR"]}],
    "later": [{"country": "US", "starts_at": "2099-01-01T00:00:00Z"}],
}


async def test_each_audience_finds_exactly_what_browse_shows_it(discovery: Discovery) -> None:
    catalog = discovery.catalog
    for place, windows in WINDOWS.items():
        for rating in ("G", "PG", "PG-13", "R", "TV-MA", None):
            body = {"title": f"Harbor {place} {rating}", "type": "movie", "maturity_rating": rating}
            title = await catalog.publish_title(body, WINDOWS["us"] if place == "later" else windows)
            if place == "later":  # published while open, then moved to a window not yet open
                response = await catalog.client.put(
                    f"/api/v1/titles/{title['id']}/availability", json=windows, headers=catalog.admin()
                )
                assert response.status_code == 200, response.text
    user_id = new_id_str()
    kid = await profile(catalog, user_id, kids=True, limit=None)
    teen = await profile(catalog, user_id, kids=False, limit="PG-13")
    audiences = {
        "US adult": (catalog.auth(user_id=user_id, country="US"), None),
        "FR adult": (catalog.auth(user_id=user_id, country="FR"), None),
        "DE adult": (catalog.auth(user_id=user_id, country="DE"), None),
        "US kid": (catalog.auth(user_id=user_id, country="US"), kid),
        "FR teen": (catalog.auth(user_id=user_id, country="FR"), teen),
        "anonymous": ({}, None),
    }
    await discovery.found("harbor", "Harbor fr None", headers=catalog.auth(country="FR"))
    shown: dict[str, int] = {}
    for name, (headers, profile_id) in audiences.items():
        params = {"limit": 100, **({"profile_id": profile_id} if profile_id else {})}
        browse = {item["id"] for item in await catalog.every_page("/api/v1/titles", params, headers)}
        shown[name] = len(browse)
        last: dict[str, Any] = {}

        async def same(
            headers: dict[str, str] = headers,
            params: dict[str, Any] = params,
            browse: set[str] = browse,
            last: dict[str, Any] = last,
        ) -> bool:
            response = await discovery.client.get(
                "/api/v1/search", params={"q": "harbor", **params}, headers=headers
            )
            found = (
                {hit["title_id"] for hit in response.json()["hits"]} if response.status_code == 200 else None
            )
            last["found"] = found
            return found == browse

        await eventually(same, what=f"search to show {name} what browse does: {browse} != {last}")
    # The audiences see different things, so the parity is not that of empty lists.
    assert shown == {"US adult": 12, "FR adult": 6, "DE adult": 6, "US kid": 4, "FR teen": 3, "anonymous": 0}


async def test_a_replay_from_zero_rebuilds_the_same_answers(discovery_settings: Settings) -> None:
    issuer = TokenIssuer([SigningKey.generate()], ttl_seconds=600)
    queries = ("godfathr", "rocky 2", "maid", "brando", "sci-fi")
    async with running_catalog(discovery_settings, issuer) as catalog:
        for title, cast, genres in (
            ("The Godfather", "Marlon Brando", ["crime"]),
            ("Rocky II", "Sylvester Stallone", ["drama"]),
            ("The Little Mermaid", "Jodi Benson", ["animation"]),
            ("The Maid", "Catalina Saavedra", ["drama"]),
            ("Alien", "Sigourney Weaver", ["science_fiction"]),
        ):
            body = {"title": title, "type": "movie", "maturity_rating": "PG", "genres": genres}
            await catalog.publish_title({**body, "cast": [{"name": cast, "character": None}]})
        async with running_discovery(discovery_settings, catalog) as discovery:
            await discovery.found("alien", "Alien")
            before = {q: await discovery.titles(q) for q in queries}
        assert before["rocky 2"] == ["Rocky II"] and before["sci-fi"] == ["Alien"]

        # What `cinemesh events replay discovery.search` does while discovery is stopped.
        async with running_discovery(discovery_settings, catalog) as stopped:
            runtime = stopped.app.state.runtime
            spec = next(s for s in runtime.subscriptions if s.group == SEARCH_GROUP)
            for consumer in runtime.consumers:
                if consumer.group == SEARCH_GROUP:
                    await consumer.stop()
            await runtime.prepare_replay(spec)
            assert await stopped.titles("alien") == []  # the table and the index are empty
            async with build_event_bus(discovery_settings) as bus:
                await bus.reset_group(SEARCH_GROUP, list(spec.topics), to_offset=0)

        async with running_discovery(discovery_settings, catalog) as rebuilt:

            async def same() -> bool:
                return {q: await rebuilt.titles(q) for q in queries} == before

            await eventually(same, what="the replay to rebuild the same answers")
