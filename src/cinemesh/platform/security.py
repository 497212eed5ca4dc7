"""Authentication and authorization dependencies for service routes.

Behind the in-process gateway the verified principal arrives in the ASGI scope (set by the
gateway, unreachable from the network). A service running on its own verifies the bearer token
itself, so no route ever trusts an unverified identity.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from cinemesh.platform.problems import Problem
from cinemesh.platform.tokens import InvalidTokenError, Principal, TokenVerifier

PRINCIPAL_SCOPE_KEY = "cinemesh.principal"
_BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="cinemesh"'}


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise Problem(
            401, "Authorization must be 'Bearer <token>'.", code="invalid-token", headers=_BEARER_CHALLENGE
        )
    return credentials.strip()


async def authenticate(verifier: TokenVerifier, authorization: str | None) -> Principal | None:
    """The principal of a request's Authorization header; None when it has none; 401 if bad."""
    token = bearer_token(authorization)
    if token is None:
        return None
    try:
        return await verifier.verify(token)
    except InvalidTokenError as exc:
        raise Problem(
            401, f"Invalid access token: {exc.reason}.", code="invalid-token", headers=_BEARER_CHALLENGE
        ) from exc


async def optional_principal(request: Request) -> Principal | None:
    if PRINCIPAL_SCOPE_KEY in request.scope:
        principal: Principal | None = request.scope[PRINCIPAL_SCOPE_KEY]
        return principal
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = await authenticate(verifier, request.headers.get("authorization"))
    request.scope[PRINCIPAL_SCOPE_KEY] = principal
    return principal


async def require_principal(principal: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    if principal is None:
        raise Problem(
            401,
            "This route needs an access token.",
            code="authentication-required",
            headers=_BEARER_CHALLENGE,
        )
    return principal


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]
CurrentPrincipal = Annotated[Principal, Depends(require_principal)]


def require_roles(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    async def dependency(principal: CurrentPrincipal) -> Principal:
        if not principal.has_any_role(*roles):
            raise Problem(
                403, f"This action needs one of the roles: {', '.join(roles)}.", code="forbidden-role"
            )
        return principal

    return dependency
