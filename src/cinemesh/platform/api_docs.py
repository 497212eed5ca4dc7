"""`/docs`: Swagger UI served from this process, so the API docs work with no network.

FastAPI's default page loads Swagger UI from a CDN and is blank offline (a self-hosted server on
a closed network, a laptop on a train). The assets come from the `fastapi-offline` wheel; only
its files are used, the app stays a plain FastAPI.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

DOCS_PATH = "/docs"
ASSETS_PATH = "/docs/assets"
OAUTH2_REDIRECT_PATH = "/docs/oauth2-redirect"
SWAGGER_ASSETS = Path(str(files("fastapi_offline") / "static"))


def install_api_docs(app: FastAPI, *, openapi_url: str = "/openapi.json") -> None:
    """Swagger UI at /docs; its JavaScript, CSS and icon under /docs/assets (cacheable files)."""
    # Under /docs so the gateway's route table and the web app's paths never meet it.
    app.mount(ASSETS_PATH, StaticFiles(directory=SWAGGER_ASSETS), name="api-docs-assets")

    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} - API",
            oauth2_redirect_url=f"{root}{OAUTH2_REDIRECT_PATH}",
            swagger_js_url=f"{root}{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
        )

    async def oauth2_redirect(_: Request) -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    app.add_route(DOCS_PATH, swagger_ui, include_in_schema=False)
    app.add_route(OAUTH2_REDIRECT_PATH, oauth2_redirect, include_in_schema=False)
