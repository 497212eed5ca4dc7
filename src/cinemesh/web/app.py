"""The ASGI app behind the gateway's fallback: the SPA shell, its hashed assets and a small config.

- `/assets/<name>-<hash>.<ext>`: immutable for a year (a new build has new names);
- `/web/config.json`: what the shell needs to know at run time (social-login providers);
- any other GET/HEAD outside `/api/`: the shell (`index.html`), `no-cache`, so a deploy is seen at
  once and deep links (`/title/<id>`) work on reload;
- everything else: a 404 problem, as the gateway answers for unrouted API paths.

Every response carries a strict Content-Security-Policy: the page loads nothing from any other
origin, which is also how "no third-party requests" is enforced in the browser, not just hoped for.
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
from typing import Any

from starlette.responses import FileResponse, JSONResponse, Response
from starlette.types import Receive, Scope, Send

from cinemesh.platform.logging import get_logger
from cinemesh.platform.settings import Settings
from cinemesh.web.settings import WebSettings

log = get_logger("cinemesh.web")

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
IMMUTABLE = "public, max-age=31536000, immutable"
NOT_BUILT = (
    "<!doctype html><meta charset=utf-8><title>cinemesh</title>"
    "<h1>The web app is not built</h1><p>Run <code>make web</code> (npm ci + esbuild), then reload.</p>"
)


class WebApp:
    """An ASGI app; `start_demo` launches the demo seeder once the platform is ready."""

    def __init__(self, settings: Settings, web: WebSettings) -> None:
        self.settings = settings
        self.web = web
        self.dist = web.dist_dir.resolve()
        self.assets = (self.dist / "assets").resolve()
        self._demo_task: asyncio.Task[None] | None = None

    # -- ASGI ------------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            return
        accept = next((v for k, v in scope["headers"] if k == b"accept-encoding"), b"").decode("latin-1")
        response = self._respond(scope["method"], scope["path"], accepted_encodings(accept))
        response.headers.update(SECURITY_HEADERS)
        await response(scope, receive, send)

    def _respond(self, method: str, path: str, encodings: frozenset[str] = frozenset()) -> Response:
        if method not in ("GET", "HEAD"):
            return _problem(405, "Method not allowed.") if not path.startswith("/api/") else _not_found()
        if path.startswith("/api/") or path == "/api":
            return _not_found()
        if path.startswith("/assets/"):
            return self._asset(path.removeprefix("/assets/"), encodings)
        if path == "/web/config.json":
            return JSONResponse(self.config(), headers={"Cache-Control": "no-cache"})
        if path in ("/favicon.ico", "/robots.txt"):
            return self._root_file(path.lstrip("/"))
        return self._shell()

    def config(self) -> dict[str, Any]:
        return {"oidc_providers": self.web.oidc_providers, "demo": self.web.demo}

    def _shell(self) -> Response:
        index = self.dist / "index.html"
        if not index.is_file():
            return Response(NOT_BUILT, status_code=503, media_type="text/html; charset=utf-8")
        return FileResponse(
            index, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-cache"}
        )

    def _asset(self, name: str, encodings: frozenset[str]) -> Response:
        candidate = (self.assets / name).resolve()
        if not candidate.is_relative_to(self.assets) or not candidate.is_file():
            return _not_found()
        media_type = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
        headers = {"Cache-Control": IMMUTABLE, "Vary": "Accept-Encoding"}
        # The build writes .br and .gz next to each JS and CSS file: sent as they are, no CPU here.
        for encoding, suffix in (("br", ".br"), ("gzip", ".gz")):
            compressed = candidate.with_name(candidate.name + suffix)
            if encoding in encodings and compressed.is_file():
                headers["Content-Encoding"] = encoding
                return FileResponse(compressed, media_type=media_type, headers=headers)
        return FileResponse(candidate, media_type=media_type, headers=headers)

    def _root_file(self, name: str) -> Response:
        candidate = self.dist / name
        if not candidate.is_file():
            return _not_found()
        return FileResponse(candidate, headers={"Cache-Control": "public, max-age=86400"})

    # -- demo --------------------------------------------------------------------------------------

    def start_demo(self, admin_email: str | None = None, admin_password: str | None = None) -> None:
        """Called from the platform's on_ready (inside the running loop): seeds in the background."""
        if not self.web.demo or self._demo_task is not None:
            return
        from cinemesh.web.demo import DemoSeeder

        email = admin_email or self.settings.admin_email
        password = admin_password or (
            self.settings.admin_password.get_secret_value() if self.settings.admin_password else None
        )
        if not email or not password:
            log.warning("demo_skipped", reason="no admin credentials (set CINEMESH_ADMIN_EMAIL/PASSWORD)")
            return
        seeder = DemoSeeder(self.settings, self.web, email=email, password=password)
        self._demo_task = asyncio.get_running_loop().create_task(seeder.run_logged(), name="cinemesh-demo")


def accepted_encodings(header: str) -> frozenset[str]:
    """`br;q=1.0, gzip, *;q=0` -> {"br", "gzip"}: the codings the client takes (q=0 refuses)."""
    accepted = set()
    for item in header.split(","):
        coding, _, params = item.strip().partition(";")
        quality = params.strip().removeprefix("q=") if params.strip().startswith("q=") else "1"
        try:
            refused = float(quality) == 0
        except ValueError:
            refused = True
        if coding and not refused:
            accepted.add(coding.strip().lower())
    return frozenset(accepted)


def _not_found() -> Response:
    return _problem(404, "No route for this path.")


def _problem(status: int, detail: str) -> Response:
    body = {"type": "about:blank", "title": "Not Found" if status == 404 else "Error", "status": status}
    return Response(
        json.dumps({**body, "detail": detail}), status_code=status, media_type="application/problem+json"
    )


def build_web_app(settings: Settings, web: WebSettings | None = None) -> WebApp:
    app = WebApp(settings, web or WebSettings())
    if not (app.dist / "index.html").is_file():
        log.warning("web_not_built", dist=str(app.dist), fix="make web")
    return app


__all__ = ["WebApp", "build_web_app"]
