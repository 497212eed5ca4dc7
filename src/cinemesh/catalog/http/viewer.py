"""Who is browsing: their region (account, or a trusted edge) and their active profile's limit.

A client cannot choose its region: `X-Viewer-Country` counts only when the request proves it
came through our edge (the shared `X-Edge-Secret`) or arrives from a configured trusted proxy.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Sequence

from fastapi import Request

from cinemesh.catalog.domain.titles import is_country_code
from cinemesh.catalog.read.domain.documents import Audience
from cinemesh.catalog.read.service import BrowseService
from cinemesh.catalog.settings import CatalogSettings
from cinemesh.platform.problems import Problem
from cinemesh.platform.tokens import Principal

COUNTRY_HEADER = "x-viewer-country"
EDGE_SECRET_HEADER = "x-edge-secret"  # noqa: S105 - a header name, not a secret
PROFILE_HEADER = "x-profile-id"


class EdgeTrust:
    """Decides whether a request's region header comes from our edge, and the fallback region."""

    def __init__(self, settings: CatalogSettings) -> None:
        self.default_country = settings.default_country
        secret = settings.edge_secret.get_secret_value() if settings.edge_secret else ""
        self._secret = secret.encode()
        self._proxies = [ipaddress.ip_network(proxy, strict=False) for proxy in settings.trusted_proxies]

    def trusts(self, request: Request) -> bool:
        offered = request.headers.get(EDGE_SECRET_HEADER)
        if self._secret and offered is not None and hmac.compare_digest(offered.encode(), self._secret):
            return True
        client = request.client.host if request.client else None
        return client is not None and _in_networks(client, self._proxies)


def _in_networks(host: str, networks: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in networks)


def viewer_country(request: Request, principal: Principal | None, trust: EdgeTrust) -> str | None:
    header = request.headers.get(COUNTRY_HEADER)
    if header is not None and trust.trusts(request):
        country = header.strip().upper()
        if not is_country_code(country):
            raise Problem(
                400,
                "X-Viewer-Country must be an ISO 3166-1 alpha-2 code.",
                code="invalid-country",
                field="X-Viewer-Country",
            )
        return country
    if principal is not None and principal.country:
        return principal.country.upper()
    return trust.default_country


async def resolve_audience(
    request: Request,
    *,
    principal: Principal | None,
    profile_id: str | None,
    trust: EdgeTrust,
    browsing: BrowseService,
) -> Audience:
    now = browsing.clock()
    profile_id = profile_id or request.headers.get(PROFILE_HEADER)
    country = viewer_country(request, principal, trust)
    if not profile_id:
        return Audience(country=country, at=now)
    if principal is None:
        raise Problem(
            401, "A profile needs an access token.", code="authentication-required", field="profile_id"
        )
    limit = await browsing.profile_limit(profile_id=profile_id, user_id=principal.user_id)
    if limit is None:
        raise Problem(
            404, f"No profile {profile_id} on this account.", code="profile-not-found", field="profile_id"
        )
    return Audience(country=country, at=now, max_rating=limit.max_rating)
