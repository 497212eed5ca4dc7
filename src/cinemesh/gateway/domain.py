"""The route table: which upstream answers which path; and the home page the gateway composes.
No I/O here.

Longest prefix wins. A route may send a share of its traffic to another upstream — the
strangler fig: a legacy system keeps answering a path while the new service takes a growing
share, chosen per caller so one user's requests all land on the same side.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from cinemesh.platform.errors import NotFoundError


@dataclass(frozen=True)
class Route:
    prefix: str
    upstream: str
    # Strangler fig / canary: `split_share` of callers go to `split_upstream` instead.
    split_upstream: str | None = None
    split_share: float = 0.0

    def __post_init__(self) -> None:
        if not self.prefix.startswith("/"):
            raise ValueError(f"route prefix must start with '/': {self.prefix!r}")
        if not 0.0 <= self.split_share <= 1.0:
            raise ValueError("split_share must be within [0, 1]")

    def matches(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix.rstrip("/") + "/")

    def upstream_for(self, caller: str) -> str:
        if self.split_upstream is None or self.split_share <= 0.0:
            return self.upstream
        digest = hashlib.blake2b(f"{self.prefix}|{caller}".encode(), digest_size=8).digest()
        bucket = int.from_bytes(digest, "big") / 2**64
        return self.split_upstream if bucket < self.split_share else self.upstream


class RouteTable:
    def __init__(self, routes: Iterable[Route]) -> None:
        self.routes = sorted(routes, key=lambda route: len(route.prefix), reverse=True)

    def match(self, path: str) -> Route | None:
        for route in self.routes:
            if route.matches(path):
                return route
        return None

    @property
    def upstream_names(self) -> set[str]:
        names = {route.upstream for route in self.routes}
        names.update(route.split_upstream for route in self.routes if route.split_upstream)
        return names


# Every public path and the service that owns it. Services keep the full path, so a service
# answers the same URLs behind the gateway and on its own.
DEFAULT_ROUTES: tuple[Route, ...] = (
    Route("/.well-known/jwks.json", "users"),
    Route("/api/v1/auth", "users"),
    Route("/api/v1/me", "users"),
    Route("/api/v1/admin/users", "users"),
    Route("/api/v1/admin/titles", "catalog"),
    Route("/api/v1/titles", "catalog"),
    Route("/api/v1/genres", "catalog"),
    Route("/api/v1/uploads", "media"),
    Route("/api/v1/videos", "media"),
    Route("/api/v1/playback", "delivery"),
    Route("/api/v1/stream", "delivery"),
    Route("/api/v1/search", "discovery"),
    Route("/api/v1/recommendations", "discovery"),
    Route("/api/v1/history", "history"),
    Route("/api/v1/billing", "billing"),
    Route("/api/v1/plans", "billing"),
    Route("/api/v1/admin/billing", "billing"),
    Route("/api/v1/analytics", "analytics"),
)


Items = list[dict[str, Any]]


class HomeSection(BaseModel):
    id: str = Field(description="profile, continue-watching, recommendations, new, genre-<name>")
    title: str
    items: Items


class HomePage(BaseModel):
    sections: list[HomeSection]
    missing: list[str] = Field(
        description="Sections left out because their service was slow, failing or unavailable "
        "(`genres` when the genre list itself could not be had)."
    )


class ProfileNotFoundError(NotFoundError):
    """The users service does not list this profile on the caller's account: no home page."""

    code = "profile-not-found"

    def __init__(self, profile_id: str) -> None:
        super().__init__(f"No profile {profile_id} on this account.")
        # Named beside `type`, as this answer always named it (not in errors[]).
        self.extensions["field"] = "profile_id"
