"""Domain errors become problem+json through one table per service, looked up along the MRO."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter

from cinemesh.platform.errors import ConflictError, DomainError, NotFoundError
from cinemesh.platform.http import create_service_app
from cinemesh.platform.problems import PROBLEM_CONTENT_TYPE


class PlanNotFound(NotFoundError):
    code = "plan-not-found"


class CardDeclined(DomainError):
    code = "card-declined"


class TrialUsed(ConflictError):
    code = "trial-used"


class Unmapped(DomainError):
    code = "unmapped"


router = APIRouter()


@router.get("/plan")
async def plan() -> None:
    raise PlanNotFound("No plan ultra-max.", field="plan")


@router.get("/card")
async def card() -> None:
    raise CardDeclined("The card was declined.", decline_code="generic_decline")


@router.get("/trial")
async def trial() -> None:
    raise TrialUsed("This account had its trial.")


@router.get("/unmapped")
async def unmapped() -> None:
    raise Unmapped("nobody mapped me")


@pytest.fixture
async def client() -> httpx.AsyncClient:
    app = create_service_app(name="test", routers=[router], error_statuses={CardDeclined: 402})
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def test_a_base_class_mapping_covers_its_family_and_names_the_field(client: httpx.AsyncClient) -> None:
    response = await client.get("/plan")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert body["type"].endswith("/plan-not-found")
    assert body["detail"] == "No plan ultra-max."
    assert body["errors"] == [{"field": "plan", "message": "No plan ultra-max.", "type": "plan-not-found"}]


async def test_the_service_table_maps_its_own_errors_with_extensions(client: httpx.AsyncClient) -> None:
    response = await client.get("/card")
    assert response.status_code == 402
    assert response.json()["decline_code"] == "generic_decline"
    conflict = await client.get("/trial")
    assert conflict.status_code == 409
    assert conflict.json()["type"].endswith("/trial-used")


async def test_an_unmapped_domain_error_is_a_logged_500_without_internals(client: httpx.AsyncClient) -> None:
    response = await client.get("/unmapped")
    assert response.status_code == 500
    assert "nobody mapped me" not in response.text
