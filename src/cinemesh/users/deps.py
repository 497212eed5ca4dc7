"""Route dependencies: the service objects, and the caller's account checked to be current."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from cinemesh.platform.security import CurrentPrincipal, require_roles
from cinemesh.platform.tokens import Principal
from cinemesh.users.account_service import AccountService
from cinemesh.users.credentials import CredentialsService
from cinemesh.users.library_service import LibraryService
from cinemesh.users.oidc import OidcLogin
from cinemesh.users.profiles_service import ProfilesService
from cinemesh.users.service import UsersService


@dataclass(frozen=True)
class Services:
    users: UsersService
    credentials: CredentialsService
    profiles: ProfilesService
    library: LibraryService
    account: AccountService
    oidc: OidcLogin


# async: FastAPI runs a plain `def` dependency in its thread pool, a thread hop per request.
async def get_services(request: Request) -> Services:
    services: Services = request.app.state.users_services
    return services


AllServices = Annotated[Services, Depends(get_services)]


def _session_claims(principal: Principal) -> tuple[int, str | None]:
    """The session generation and session id in the caller's token, as its verification read them
    (by the gateway or by this service; decoding the token again cost a request's worth of CPU).
    Tokens issued before sessions had ids carry no `sid`; before generations, no `sgen` (0)."""
    generation = principal.session_generation
    return (0 if generation is None else generation), principal.session_id


async def current_user(request: Request, principal: CurrentPrincipal, services: AllServices) -> Principal:
    """The caller, refused (401) when the account was deleted or its sessions were ended after the
    token was issued: a signature alone cannot know that."""
    generation, session_id = _session_claims(principal)
    # Kept for the route: /me answers with this account instead of reading it a second time.
    request.state.current_account = await services.users.ensure_token_current(
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
