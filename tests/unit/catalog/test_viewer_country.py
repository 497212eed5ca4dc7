"""Where a viewer is: the token's country, a trusted edge's header, or the configured default."""

from __future__ import annotations

import datetime as dt

import pytest
from starlette.requests import Request

from cinemesh.catalog.http.viewer import EdgeTrust, viewer_country
from cinemesh.catalog.settings import CatalogSettings
from cinemesh.platform.problems import Problem
from cinemesh.platform.tokens import Principal

SECRET = "an-edge-secret-of-some-length-000"


def request(headers: dict[str, str], client: str = "203.0.113.9") -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "headers": raw, "client": (client, 1234), "method": "GET", "path": "/"})


def principal(country: str | None) -> Principal:
    return Principal("u", frozenset(), "t", dt.datetime.now(dt.UTC), country=country)


def test_the_token_country_unless_the_edge_vouches_for_another() -> None:
    trust = EdgeTrust(CatalogSettings(edge_secret=SECRET))
    assert viewer_country(request({}), principal("de"), trust) == "DE"
    assert viewer_country(request({"X-Viewer-Country": "FR"}), principal("DE"), trust) == "DE"
    edge = {"X-Viewer-Country": "FR", "X-Edge-Secret": SECRET}
    assert viewer_country(request(edge), principal("DE"), trust) == "FR"
    assert viewer_country(request({**edge, "X-Edge-Secret": SECRET + "x"}), principal("DE"), trust) == "DE"


def test_trusted_proxies_by_network_and_a_default_for_the_unknown() -> None:
    trust = EdgeTrust(CatalogSettings(trusted_proxies=["10.0.0.0/8"], default_country="US"))
    assert viewer_country(request({"X-Viewer-Country": "JP"}, client="10.1.2.3"), None, trust) == "JP"
    assert viewer_country(request({"X-Viewer-Country": "JP"}, client="11.1.2.3"), None, trust) == "US"
    assert viewer_country(request({}), principal(None), trust) == "US"
    assert viewer_country(request({}), None, EdgeTrust(CatalogSettings())) is None
    with pytest.raises(Problem) as raised:
        viewer_country(request({"X-Viewer-Country": "Japan"}, client="10.0.0.1"), None, trust)
    assert raised.value.status == 400


def test_a_malformed_default_country_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="default_country"):
        CatalogSettings(default_country="usa")
