"""HTTP routes of identity: registration, login, tokens, mail links, social login, the JWKS."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Cookie, Query, Request, Response
from fastapi.responses import RedirectResponse

from cinemesh.platform.client_address import client_address
from cinemesh.users.http.deps import Context, UsersContext
from cinemesh.users.http.refresh_cookie import MISSING as REFRESH_MISSING
from cinemesh.users.http.refresh_cookie import (
    clear_refresh_cookie,
    cookie_token,
    set_refresh_cookie,
    wants_cookie,
)
from cinemesh.users.http.schemas import (
    LoginRequest,
    MailToken,
    PasswordResetConfirm,
    PasswordResetRequest,
    RefreshRequest,
    RegisterRequest,
    RegisterResponse,
    TokenResponse,
)
from cinemesh.users.identity.service.accounts import TokenPair
from cinemesh.users.identity.service.oidc import STATE_COOKIE, STATE_TTL_SECONDS

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
well_known = APIRouter(tags=["auth"])


@router.post("/register", status_code=201)
async def register(body: RegisterRequest, context: Context) -> RegisterResponse:
    account = await context.users.register(
        email=str(body.email), username=body.username, password=body.password, country=body.country
    )
    await context.credentials.send_verification(user_id=account.user_id)
    return RegisterResponse(user_id=account.user_id)


@router.post("/login")
async def login(body: LoginRequest, context: Context, request: Request, response: Response) -> TokenResponse:
    client = client_address(request.scope)
    pair = await context.users.login(email=body.email, password=body.password, client=client)
    return token_answer(pair, request, response, context)


def token_answer(
    pair: TokenPair, request: Request, response: Response, context: UsersContext
) -> TokenResponse:
    """The pair as JSON, or - for a client that asked for the cookie transport - the refresh
    token in its HttpOnly cookie and only the access token in the body (see refresh_cookie)."""
    if not wants_cookie(request):
        return TokenResponse.of(pair)
    set_refresh_cookie(
        response,
        pair.refresh_token,
        max_age=context.users.refresh_token_ttl,
        public_url=context.oidc.public_url,
        request=request,
    )
    return TokenResponse.of(pair).model_copy(update={"refresh_token": None})


@router.post("/refresh")
async def refresh(
    context: Context, request: Request, response: Response, body: RefreshRequest | None = None
) -> TokenResponse:
    """The token from the body, or from the cookie (which takes the X-Refresh-Transport header)."""
    token = body.refresh_token if body is not None else cookie_token(request)
    if token is None:
        raise REFRESH_MISSING
    return token_answer(await context.users.refresh(refresh_token=token), request, response, context)


@router.delete("/refresh", status_code=204)
async def sign_out_cookie(context: Context, request: Request, response: Response) -> None:
    """Sign-out of a cookie session: ends the cookie's session and clears the cookie."""
    token = cookie_token(request)
    if token is not None:
        await context.users.logout(refresh_token=token)
    clear_refresh_cookie(response, public_url=context.oidc.public_url, request=request)


@router.post("/logout", status_code=204)
async def logout(body: RefreshRequest, context: Context) -> None:
    # Knowing the refresh token is the proof: it ends that token's session and no other.
    await context.users.logout(refresh_token=body.refresh_token)


@router.post("/verify-email", status_code=204)
async def verify_email(body: MailToken, context: Context) -> None:
    await context.credentials.verify_email(token=body.token)


@router.get("/verify-email")
async def verify_email_link(
    token: Annotated[str, Query(min_length=16, max_length=128)], context: Context
) -> dict[str, str]:
    """The link in the mail itself. Safe as a GET: confirming an address is all it does (a mail
    scanner that follows it only proves the mail arrived), and the token works once."""
    await context.credentials.verify_email(token=token)
    return {"detail": "Your email address is verified."}


@router.post("/password-reset", status_code=202)
async def request_password_reset(
    body: PasswordResetRequest, context: Context, request: Request
) -> dict[str, str]:
    await context.credentials.request_password_reset(email=body.email, client=client_address(request.scope))
    return {"detail": "If an account has this address, a reset link is on its way."}


@router.post("/password-reset/confirm", status_code=204)
async def reset_password(body: PasswordResetConfirm, context: Context) -> None:
    await context.credentials.reset_password(token=body.token, new_password=body.new_password)


@router.get("/oidc/{provider}/login")
async def oidc_login(provider: str, context: Context) -> RedirectResponse:
    start = await context.oidc.start(provider)
    response = RedirectResponse(start.authorization_url, status_code=302)
    response.set_cookie(
        STATE_COOKIE,
        start.cookie,
        max_age=STATE_TTL_SECONDS,
        path=f"/api/v1/auth/oidc/{provider}/callback",
        httponly=True,
        secure=context.oidc.public_url.startswith("https://"),
        samesite="lax",  # sent on the provider's top-level redirect back to us
    )
    return response


@router.get("/oidc/{provider}/callback", response_model=None)
async def oidc_callback(
    provider: str,
    context: Context,
    response: Response,
    code: Annotated[str, Query(min_length=1, max_length=2048)],
    state: Annotated[str, Query(min_length=1, max_length=256)],
    cinemesh_oidc: Annotated[str | None, Cookie(max_length=4096)] = None,
) -> TokenResponse | RedirectResponse:
    pair = await context.oidc.finish(provider, code=code, state=state, cookie=cinemesh_oidc)
    tokens = TokenResponse.of(pair)
    cookie_path = f"/api/v1/auth/oidc/{provider}/callback"
    if context.oidc.success_redirect is None:
        response.delete_cookie(STATE_COOKIE, path=cookie_path)
        return tokens
    # The fragment never reaches a server log or a Referer header.
    redirect = RedirectResponse(f"{context.oidc.success_redirect}#{urlencode(tokens.model_dump())}", 303)
    redirect.delete_cookie(STATE_COOKIE, path=cookie_path)
    return redirect


@router.get("/jwks")
@well_known.get("/.well-known/jwks.json")
async def jwks(context: Context) -> dict[str, Any]:
    return context.users.keys.jwks()
