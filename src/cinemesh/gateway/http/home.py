"""`GET /api/v1/home?profile_id=`: the whole home page in one call, composed at the gateway
(`service.py`). The caller is admitted by the proxy, as for any request it forwards."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from cinemesh.gateway.domain import HomePage
from cinemesh.gateway.http.deps import Context
from cinemesh.platform.problems import Problem

HOME_PATH = "/api/v1/home"

router = APIRouter(tags=["home"])


@router.get(HOME_PATH, response_model=HomePage, summary="The home page: every section in one call")
async def home(
    request: Request,
    context: Context,
    profile_id: Annotated[
        str, Query(min_length=1, max_length=64, description="A profile of the caller's account.")
    ],
) -> Response:
    """Profile, continue watching, recommendations, new releases and genre rows, each within
    its own deadline; a section that cannot be had in time is named in `missing`."""
    principal, _, admission = await context.proxy.admit(request.scope)
    if principal is None:
        raise Problem(
            401,
            "The home page needs an access token.",
            code="authentication-required",
            headers={"WWW-Authenticate": 'Bearer realm="cinemesh"'},
        )
    page = await context.home.compose(request.scope, profile_id)
    headers = {k.decode(): v.decode() for k, v in admission.headers} if admission else {}
    return Response(page.model_dump_json().encode(), media_type="application/json", headers=headers)


# Without this the proxy's catch-all mount would answer other methods 404 (no route).
@router.api_route(
    HOME_PATH, methods=["POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"], include_in_schema=False
)
async def other_methods(request: Request) -> Response:
    raise Problem(405, f"{request.method} is not allowed on {HOME_PATH}.", headers={"Allow": "GET"})
