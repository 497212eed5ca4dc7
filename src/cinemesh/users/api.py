"""HTTP routes of the users service: thin, they validate and call the service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from cinemesh.platform.security import CurrentPrincipal
from cinemesh.users.domain import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, account_document
from cinemesh.users.service import TokenPair, UsersService


def get_service(request: Request) -> UsersService:
    service: UsersService = request.app.state.users_service
    return service


Service = Annotated[UsersService, Depends(get_service)]


class RegisterRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    username: str = Field(min_length=3, max_length=30, pattern=r"^[a-zA-Z0-9_-]+$")
    password: str = Field(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH)
    country: str = Field(min_length=2, max_length=2, pattern=r"^[A-Z]{2}$")


class RegisterResponse(BaseModel):
    user_id: str


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Not re-validated: a login only looks the address up (and operator accounts may use
    # reserved domains such as .localhost that registration refuses).
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=1, max_length=512)


class TokenResponse(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int

    @classmethod
    def of(cls, pair: TokenPair) -> TokenResponse:
        return cls(
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            token_type=pair.token_type,
            expires_in=pair.expires_in,
        )


auth = APIRouter(prefix="/api/v1/auth", tags=["auth"])
me = APIRouter(prefix="/api/v1/me", tags=["account"])
well_known = APIRouter(tags=["auth"])


@auth.post("/register", status_code=201)
async def register(body: RegisterRequest, service: Service) -> RegisterResponse:
    account = await service.register(
        email=str(body.email), username=body.username, password=body.password, country=body.country
    )
    return RegisterResponse(user_id=account.user_id)


@auth.post("/login")
async def login(body: LoginRequest, service: Service) -> TokenResponse:
    return TokenResponse.of(await service.login(email=body.email, password=body.password))


@auth.post("/refresh")
async def refresh(body: RefreshRequest, service: Service) -> TokenResponse:
    return TokenResponse.of(await service.refresh(refresh_token=body.refresh_token))


@auth.post("/logout", status_code=204)
async def logout(body: RefreshRequest, service: Service) -> None:
    await service.logout(refresh_token=body.refresh_token)


@auth.get("/jwks")
@well_known.get("/.well-known/jwks.json")
async def jwks(service: Service) -> dict[str, Any]:
    return service.issuer.jwks()


@me.get("")
async def get_me(principal: CurrentPrincipal, service: Service) -> dict[str, Any]:
    return account_document(await service.account(user_id=principal.user_id))


routers = (auth, me, well_known)
