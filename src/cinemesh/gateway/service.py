"""The home page, composed at the gateway: `GET /api/v1/home` (`http/home.py`) in one call.

Sections: the profile (users), continue watching (history), recommendations (discovery), new
releases and a row per top genre (catalog). Each is a sub-request through the gateway's own proxy
as the caller (`subrequest.py`): the same authentication, breakers, bulkheads and timeouts,
and each service checks the caller and the profile's ownership itself. Each section has its own
deadline; one that is slow, fails, or sits behind an open breaker is left out and named in
`missing`, never failing the page. Only a profile the users service says is not the caller's
fails it (`ProfileNotFoundError`), and then no section is returned.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Mapping
from typing import Any

from starlette.types import ASGIApp, Scope

from cinemesh.gateway import subrequest
from cinemesh.gateway.domain import HomePage, HomeSection, Items, ProfileNotFoundError
from cinemesh.gateway.settings import GatewaySettings
from cinemesh.platform.logging import get_logger

log = get_logger("cinemesh.gateway.home")


def _items(body: Any) -> Items | None:
    items = body.get("items") if isinstance(body, dict) else body
    if isinstance(items, list) and all(isinstance(item, dict) for item in items):
        return items
    return None


class HomeComposer:
    def __init__(self, proxy: ASGIApp, settings: GatewaySettings) -> None:
        self.proxy = proxy
        self.settings = settings

    def deadline(self, section: str) -> float:
        key = "genres" if section.startswith("genre-") else section
        return self.settings.home_deadlines.get(key, self.settings.home_deadline_seconds)

    async def fetch(
        self, scope: Scope, section: str, path: str, **query: str | int
    ) -> subrequest.Answer | None:
        """The section's answer, or None when it came too late, failed or could not be read."""
        try:
            answer = await asyncio.wait_for(
                subrequest.get(self.proxy, scope, path, query), self.deadline(section)
            )
        except TimeoutError:
            log.warning("home_section_late", section=section, deadline=self.deadline(section))
            return None
        except Exception as exc:  # a section's failure never fails the page
            log.warning("home_section_failed", section=section, error=f"{type(exc).__name__}: {exc}")
            return None
        return answer

    async def items(self, scope: Scope, section: str, path: str, **query: str | int) -> Items | None:
        answer = await self.fetch(scope, section, path, **query)
        if answer is None or answer.status != 200:
            return None
        return _items(answer.json())

    async def genre_rows(self, scope: Scope, profile_id: str) -> dict[str, tuple[str, Items | None]] | None:
        counts = await self.items(scope, "genres", "/api/v1/genres", profile_id=profile_id)
        if counts is None:
            return None
        top = sorted(
            (c for c in counts if isinstance(c.get("genre"), str) and int(c.get("titles") or 0) > 0),
            key=lambda c: -int(c["titles"]),
        )[: self.settings.home_genre_rows]
        size = self.settings.home_row_size
        rows = await asyncio.gather(
            *(
                self.items(
                    scope,
                    f"genre-{c['genre']}",
                    "/api/v1/titles",
                    genre=c["genre"],
                    limit=size,
                    profile_id=profile_id,
                )
                for c in top
            )
        )
        return {
            f"genre-{c['genre']}": (_title_case(c["genre"]), row) for c, row in zip(top, rows, strict=True)
        }

    async def profile(self, scope: Scope, profile_id: str) -> Items | None:
        answer = await self.fetch(scope, "profile", "/api/v1/me/profiles")
        if answer is None or answer.status != 200:
            return None
        mine = [p for p in _items(answer.json()) or [] if p.get("profile_id") == profile_id]
        if not mine:
            raise ProfileNotFoundError(profile_id)
        return mine

    async def compose(self, scope: Scope, profile_id: str) -> HomePage:
        size = self.settings.home_row_size
        calls: Mapping[str, tuple[str, Awaitable[Any]]] = {
            "profile": ("Profile", self.profile(scope, profile_id)),
            "continue-watching": (
                "Continue watching",
                self.items(
                    scope,
                    "continue-watching",
                    "/api/v1/history/continue-watching",
                    profile_id=profile_id,
                    limit=size,
                ),
            ),
            "recommendations": (
                "Recommended for you",
                self.items(
                    scope, "recommendations", "/api/v1/recommendations", profile_id=profile_id, limit=size
                ),
            ),
            "new": (
                "New releases",
                self.items(scope, "new", "/api/v1/titles", sort="newest", limit=size, profile_id=profile_id),
            ),
            "genres": ("Genres", self.genre_rows(scope, profile_id)),
        }
        results = dict(zip(calls, await asyncio.gather(*(call for _, call in calls.values())), strict=True))
        sections, missing = [], []
        for section, (title, _) in calls.items():
            result = results[section]
            if section == "genres" and result is not None:
                for row_id, (row_title, row) in result.items():
                    if row is None:
                        missing.append(row_id)
                    elif row:  # an empty genre row is no row
                        sections.append(HomeSection(id=row_id, title=row_title, items=row))
            elif result is None:
                missing.append(section)
            else:
                sections.append(HomeSection(id=section, title=title, items=result))
        return HomePage(sections=sections, missing=missing)


def _title_case(text: str) -> str:
    """ "science fiction" -> "Science Fiction", "sci-fi" -> "Sci-Fi" (as the web app showed them)."""
    return re.sub(r"(^|[\s-])(\w)", lambda m: m.group(1) + m.group(2).upper(), text)
