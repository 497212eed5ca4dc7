"""What the gateway's routes need, built once by the bootstrap and read from `app.state.context`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from cinemesh.gateway.http.proxy.forward import GatewayProxy
from cinemesh.gateway.service import HomeComposer
from cinemesh.platform.service_app import context_of


@dataclass(frozen=True)
class GatewayContext:
    proxy: GatewayProxy
    home: HomeComposer


async def gateway_context(request: Request) -> GatewayContext:
    return context_of(request, GatewayContext)


Context = Annotated[GatewayContext, Depends(gateway_context)]
