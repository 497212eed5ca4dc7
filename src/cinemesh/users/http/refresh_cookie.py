"""The refresh token as a cookie, for browsers: the web app keeps a sign-in across tabs and
restarts without any script ever reading the refresh token.

A client opts in with the header `X-Refresh-Transport: cookie` on login and refresh. The answer
then carries the refresh token only in a cookie that is

- HttpOnly: no script (an injected one included) can read it;
- Secure: sent over HTTPS only (browsers also keep Secure cookies for http://localhost and
  127.0.0.1). Only a request over plain http to another host, on a deployment whose public URL is
  not https (a self-hosted box reached at http://192.168.1.20:8000), gets a non-Secure cookie: a
  browser would drop a Secure one there, and the sign-in could not last beyond the tab;
- SameSite=Strict and scoped to `/api/v1/auth/refresh`: it travels with nothing but a refresh
  (or the cookie's sign-out, `DELETE` on the same path) started from the app's own pages.

CSRF: using the cookie also takes the custom header. A form or a cross-site link cannot send
one, and a cross-origin `fetch` with it needs a CORS preflight that no cinemesh route grants; so
a foreign page can neither refresh (it would never see the tokens anyway) nor sign the user out.
Rotation and reuse detection are the refresh token's own: the cookie only carries it.
"""

from __future__ import annotations

from ipaddress import ip_address
from urllib.parse import urlsplit

from fastapi import Request, Response

from cinemesh.platform.problems import Problem

REFRESH_COOKIE = "cinemesh_refresh"
REFRESH_PATH = "/api/v1/auth/refresh"
TRANSPORT_HEADER = "x-refresh-transport"
COOKIE_TRANSPORT = "cookie"

MISSING = Problem(
    401,
    "No refresh token: send it in the body, or its cookie with the header X-Refresh-Transport: cookie.",
    code="refresh-token-missing",
)


def wants_cookie(request: Request) -> bool:
    return request.headers.get(TRANSPORT_HEADER, "").strip().lower() == COOKIE_TRANSPORT


def cookie_token(request: Request) -> str | None:
    """The refresh token of the cookie, only when the request also carries the custom header."""
    token = request.cookies.get(REFRESH_COOKIE)
    if not wants_cookie(request) or not token or len(token) > 512:
        return None
    return token


def _loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def secure_for(public_url: str, request: Request | None = None) -> bool:
    """Secure unless both the deployment (its public URL) and this request are plain http to a
    host other than this machine's loopback."""
    if urlsplit(public_url).scheme == "https":
        return True
    if request is None:
        return _loopback(urlsplit(public_url).hostname or "")
    return request.url.scheme == "https" or _loopback(request.url.hostname or "")


def set_refresh_cookie(
    response: Response, token: str, *, max_age: int, public_url: str, request: Request
) -> None:
    response.set_cookie(
        REFRESH_COOKIE,
        token,
        max_age=max_age,
        path=REFRESH_PATH,
        httponly=True,
        secure=secure_for(public_url, request),
        samesite="strict",
    )


def clear_refresh_cookie(response: Response, *, public_url: str, request: Request) -> None:
    response.delete_cookie(
        REFRESH_COOKIE,
        path=REFRESH_PATH,
        httponly=True,
        secure=secure_for(public_url, request),
        samesite="strict",
    )
