"""Route dependencies: the service objects, and the caller's account checked to be current."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import jwt
from fastapi import Depends, Request

from cinemesh.platform.problems import Problem
from cinemesh.platform.security import CurrentPrincipal, bearer_token, require_roles
from cinemesh.platform.tokens import Principal
from cinemesh.users.account_service import AccountService
from cinemesh.users.credentials import CredentialsService
from cinemesh.users.library_service import LibraryService
from cinemesh.users.oidc import OidcLogin
from cinemesh.users.profiles_service import ProfilesService
from cinemesh.users.service import SESSION_GENERATION_CLAIM, SESSION_ID_CLAIM, UsersService


@dataclass(frozen=True)
class Services:
    users: UsersService
    credentials: CredentialsService
    profiles: ProfilesService
    library: LibraryService
    account: AccountService
    oidc: OidcLogin


def get_services(request: Request) -> Services:
    services: Services = request.app.state.users_services
    return services


AllServices = Annotated[Services, Depends(get_services)]

_STALE = Problem(
    401,
    "Invalid access token: it does not match the verified caller.",
    code="invalid-token",
    headers={"WWW-Authenticate": 'Bearer realm="cinemesh"'},
)


def _session_claims(request: Request, principal: Principal) -> tuple[int, str | None]:
    """The session generation and session id in the caller's token. Its signature was verified
    already (by the gateway or by this service); the `jti` check ties the claims read here to
    that token. Tokens issued before sessions had ids carry no `sid`."""
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        raise _STALE
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError as exc:
        raise _STALE from exc
    generation = claims.get(SESSION_GENERATION_CLAIM, 0)
    session_id = claims.get(SESSION_ID_CLAIM)
    if claims.get("jti") != principal.token_id or not isinstance(generation, int):
        raise _STALE
    if session_id is not None and not isinstance(session_id, str):
        raise _STALE
    return generation, session_id


async def current_user(request: Request, principal: CurrentPrincipal, services: AllServices) -> Principal:
    """The caller, refused (401) when the account was deleted or its sessions were ended after the
    token was issued: a signature alone cannot know that."""
    generation, session_id = _session_claims(request, principal)
    await services.users.ensure_token_current(
        user_id=principal.user_id, session_generation=generation, session_id=session_id
    )
    return principal


async def current_admin(
    principal: Annotated[Principal, Depends(require_roles("admin"))],
    request: Request,
    services: AllServices,
) -> Principal:
    return await current_user(request, principal, services)


ActiveUser = Annotated[Principal, Depends(current_user)]
ActiveAdmin = Annotated[Principal, Depends(current_admin)]
