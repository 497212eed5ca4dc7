"""HTTP routes of identity: registration, login, tokens, mail links, social login, the JWKS."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Cookie, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from cinemesh.platform.client_address import client_address
from cinemesh.users.deps import AllServices, Services
from cinemesh.users.domain import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH
from cinemesh.users.oidc import STATE_COOKIE, STATE_TTL_SECONDS
from cinemesh.users.refresh_cookie import MISSING as REFRESH_MISSING
from cinemesh.users.refresh_cookie import (
    clear_refresh_cookie,
    cookie_token,
    set_refresh_cookie,
    wants_cookie,
)
from cinemesh.users.schemas import MailToken, PasswordResetConfirm, PasswordResetRequest
from cinemesh.users.service import TokenPair


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
    # None when it travels in the HttpOnly cookie instead (X-Refresh-Transport: cookie).
    refresh_token: str | None
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
well_known = APIRouter(tags=["auth"])


@auth.post("/register", status_code=201)
async def register(body: RegisterRequest, services: AllServices) -> RegisterResponse:
    account = await services.users.register(
        email=str(body.email), username=body.username, password=body.password, country=body.country
    )
    await services.credentials.send_verification(user_id=account.user_id)
    return RegisterResponse(user_id=account.user_id)


@auth.post("/login")
async def login(
    body: LoginRequest, services: AllServices, request: Request, response: Response
) -> TokenResponse:
    client = client_address(request.scope)
    pair = await services.users.login(email=body.email, password=body.password, client=client)
    return token_answer(pair, request, response, services)


def token_answer(pair: TokenPair, request: Request, response: Response, services: Services) -> TokenResponse:
    """The pair as JSON, or - for a client that asked for the cookie transport - the refresh
    token in its HttpOnly cookie and only the access token in the body (see refresh_cookie)."""
    if not wants_cookie(request):
        return TokenResponse.of(pair)
    set_refresh_cookie(
        response,
        pair.refresh_token,
        max_age=services.users.refresh_token_ttl,
        public_url=services.oidc.public_url,
        request=request,
    )
    return TokenResponse.of(pair).model_copy(update={"refresh_token": None})


@auth.post("/refresh")
async def refresh(
    services: AllServices, request: Request, response: Response, body: RefreshRequest | None = None
) -> TokenResponse:
    """The token from the body, or from the cookie (which takes the X-Refresh-Transport header)."""
    token = body.refresh_token if body is not None else cookie_token(request)
    if token is None:
        raise REFRESH_MISSING
    return token_answer(await services.users.refresh(refresh_token=token), request, response, services)


@auth.delete("/refresh", status_code=204)
async def sign_out_cookie(services: AllServices, request: Request, response: Response) -> None:
    """Sign-out of a cookie session: ends the cookie's session and clears the cookie."""
    token = cookie_token(request)
    if token is not None:
        await services.users.logout(refresh_token=token)
    clear_refresh_cookie(response, public_url=services.oidc.public_url, request=request)


@auth.post("/logout", status_code=204)
async def logout(body: RefreshRequest, services: AllServices) -> None:
    # Knowing the refresh token is the proof: it ends that token's session and no other.
    await services.users.logout(refresh_token=body.refresh_token)


@auth.post("/verify-email", status_code=204)
async def verify_email(body: MailToken, services: AllServices) -> None:
    await services.credentials.verify_email(token=body.token)


@auth.get("/verify-email")
async def verify_email_link(
    token: Annotated[str, Query(min_length=16, max_length=128)], services: AllServices
) -> dict[str, str]:
    """The link in the mail itself. Safe as a GET: confirming an address is all it does (a mail
    scanner that follows it only proves the mail arrived), and the token works once."""
    await services.credentials.verify_email(token=token)
    return {"detail": "Your email address is verified."}


@auth.post("/password-reset", status_code=202)
async def request_password_reset(
    body: PasswordResetRequest, services: AllServices, request: Request
) -> dict[str, str]:
    await services.credentials.request_password_reset(email=body.email, client=client_address(request.scope))
    return {"detail": "If an account has this address, a reset link is on its way."}


@auth.post("/password-reset/confirm", status_code=204)
async def reset_password(body: PasswordResetConfirm, services: AllServices) -> None:
    await services.credentials.reset_password(token=body.token, new_password=body.new_password)


@auth.get("/oidc/{provider}/login")
async def oidc_login(provider: str, services: AllServices) -> RedirectResponse:
    start = await services.oidc.start(provider)
    response = RedirectResponse(start.authorization_url, status_code=302)
    response.set_cookie(
        STATE_COOKIE,
        start.cookie,
        max_age=STATE_TTL_SECONDS,
        path=f"/api/v1/auth/oidc/{provider}/callback",
        httponly=True,
        secure=services.oidc.public_url.startswith("https://"),
        samesite="lax",  # sent on the provider's top-level redirect back to us
    )
    return response


@auth.get("/oidc/{provider}/callback", response_model=None)
async def oidc_callback(
    provider: str,
    services: AllServices,
    response: Response,
    code: Annotated[str, Query(min_length=1, max_length=2048)],
    state: Annotated[str, Query(min_length=1, max_length=256)],
    cinemesh_oidc: Annotated[str | None, Cookie(max_length=4096)] = None,
) -> TokenResponse | RedirectResponse:
    pair = await services.oidc.finish(provider, code=code, state=state, cookie=cinemesh_oidc)
    tokens = TokenResponse.of(pair)
    cookie_path = f"/api/v1/auth/oidc/{provider}/callback"
    if services.oidc.success_redirect is None:
        response.delete_cookie(STATE_COOKIE, path=cookie_path)
        return tokens
    # The fragment never reaches a server log or a Referer header.
    redirect = RedirectResponse(f"{services.oidc.success_redirect}#{urlencode(tokens.model_dump())}", 303)
    redirect.delete_cookie(STATE_COOKIE, path=cookie_path)
    return redirect


@auth.get("/jwks")
@well_known.get("/.well-known/jwks.json")
async def jwks(services: AllServices) -> dict[str, Any]:
    return services.users.keys.jwks()
