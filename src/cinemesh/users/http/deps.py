"""What the routes need, built once by the bootstrap and read from `app.state.context`; and the
caller's account, checked to be current."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Query, Request

from cinemesh.platform.security import CurrentPrincipal, require_roles
from cinemesh.platform.service_app import context_of
from cinemesh.platform.tokens import Principal
from cinemesh.users.account.service import AccountService
from cinemesh.users.household.service.library import LibraryService
from cinemesh.users.household.service.profiles import ProfilesService
from cinemesh.users.identity.service.accounts import UsersService
from cinemesh.users.identity.service.credentials import CredentialsService
from cinemesh.users.identity.service.oidc import OidcLogin


@dataclass(frozen=True)
class UsersContext:
    users: UsersService
    credentials: CredentialsService
    profiles: ProfilesService
    library: LibraryService
    account: AccountService
    oidc: OidcLogin


# async: FastAPI runs a plain `def` dependency in its thread pool, a thread hop per request.
async def users_context(request: Request) -> UsersContext:
    return context_of(request, UsersContext)


Context = Annotated[UsersContext, Depends(users_context)]


def session_claims(principal: Principal) -> tuple[int, str | None]:
    """The session generation and session id in the caller's token, as its verification read them
    (by the gateway or by this service; decoding the token again cost a request's worth of CPU).
    Tokens issued before sessions had ids carry no `sid`; before generations, no `sgen` (0)."""
    generation = principal.session_generation
    return (0 if generation is None else generation), principal.session_id


async def current_user(principal: CurrentPrincipal, context: Context) -> Principal:
    """The caller, refused (401) when the account was deleted or its sessions were ended after the
    token was issued: a signature alone cannot know that."""
    generation, session_id = session_claims(principal)
    await context.users.ensure_token_current(
        user_id=principal.user_id, session_generation=generation, session_id=session_id
    )
    return principal


async def current_admin(
    principal: Annotated[Principal, Depends(require_roles("admin"))], context: Context
) -> Principal:
    return await current_user(principal, context)


ActiveUser = Annotated[Principal, Depends(current_user)]
ActiveAdmin = Annotated[Principal, Depends(current_admin)]

PathId = Annotated[str, Path(min_length=1, max_length=36, pattern=r"^[A-Za-z0-9-]+$")]
ContentId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")]
ProfileFilter = Annotated[str | None, Query(min_length=1, max_length=36, pattern=r"^[A-Za-z0-9-]+$")]
