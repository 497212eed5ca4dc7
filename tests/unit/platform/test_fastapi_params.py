"""Remembered parameter facts (`platform/fastapi_params.py`): the same answers, request after request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Header, Query
from fastapi.dependencies import utils
from fastapi.routing import APIRoute
from pydantic import BaseModel

from cinemesh.platform import fastapi_params
from cinemesh.platform.http import create_service_app
from tests.fixtures._problems import assert_problem


class Window(BaseModel):
    start: int = 0
    end: int = 10


router = APIRouter()


@router.get("/echo")
async def echo(
    tags: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI copies the default
    since: Annotated[int | None, Query(alias="from", ge=0)] = None,
    trace_id: Annotated[str | None, Header()] = None,
) -> dict[str, object]:
    return {"tags": tags, "since": since, "trace_id": trace_id}


@router.get("/window")
async def window(bounds: Annotated[Window, Query()]) -> Window:
    return bounds


async def test_parameters_parse_and_refuse_alike_on_every_request() -> None:
    app = create_service_app(name="params", routers=[router])
    assert fastapi_params.installed()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://params") as client:
        for _ in range(3):  # the first request computes the facts, the next ones remember them
            answer = await client.get(
                "/echo", params=[("tags", "a"), ("tags", "b"), ("from", "7")], headers={"trace-id": "t1"}
            )
            assert answer.json() == {"tags": ["a", "b"], "since": 7, "trace_id": "t1"}
            assert (await client.get("/echo")).json() == {"tags": [], "since": None, "trace_id": None}
            assert (await client.get("/window", params={"end": "3"})).json() == {"start": 0, "end": 3}
            assert_problem(await client.get("/echo", params={"from": "-1"}), 422, field="from")
            assert_problem(await client.get("/window", params={"end": "x"}), 422, field="end")


def _remembered(name: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """(the wrapped function FastAPI now calls, FastAPI's own)."""
    wrapped = vars(utils)[name]
    own: Callable[..., Any] = vars(wrapped)["cinemesh_remembered"]
    return wrapped, own


def test_remembered_answers_are_the_functions_own() -> None:
    fastapi_params.install()
    fastapi_params.install()  # idempotent: wrapped once
    param_model, param_model_own = _remembered("_get_param_model")
    aliases, aliases_own = _remembered("_get_param_aliases")
    is_sequence, is_sequence_own = _remembered("field_annotation_is_sequence")
    assert "cinemesh_remembered" not in vars(param_model_own)
    fields = [
        field
        for route in router.routes
        if isinstance(route, APIRoute)
        for field in route.dependant.query_params + route.dependant.header_params
    ]
    assert len(fields) == 4
    for field in fields:
        for _ in range(2):
            assert param_model(field) is param_model_own(field)
            assert aliases(field) == aliases_own(field)
            annotation = field.field_info.annotation
            assert is_sequence(annotation) == is_sequence_own(annotation)
