"""`GET /api/v1/me/export` composed at the gateway: the users service's export, with each other
service's part of the account embedded under its own key (`history`).

The export belongs to users, and users imports no other service; no service calls another to
answer a request. The gateway already holds the route table and the caller's token, so it asks
each owner through its own public route, with the caller's own credentials (each service checks
them itself, no IDOR path), and puts the answers side by side. A part the deployment does not
route (a partial build) is left out; a part that fails makes the export a 503, never a silently
incomplete copy of someone's data.
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from cinemesh.gateway.domain import RouteTable
from cinemesh.gateway.subrequest import Answer, get
from cinemesh.platform.problems import Problem, problem_response

EXPORT_PATH = "/api/v1/me/export"
# key in the export -> the owner's export route (called through the gateway, as the caller).
EXPORT_PARTS: Mapping[str, str] = {"history": "/api/v1/history/export"}


async def _replay(captured: Answer, send: Send) -> None:
    await send({"type": "http.response.start", "status": captured.status, "headers": captured.headers})
    await send({"type": "http.response.body", "body": bytes(captured.body), "more_body": False})


class ExportComposer:
    """Wraps the proxy: every request passes through untouched but the account export's GET."""

    def __init__(self, proxy: ASGIApp, routes: RouteTable, parts: Mapping[str, str] = EXPORT_PARTS) -> None:
        self.proxy = proxy
        self.routes = routes
        self.parts = parts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != EXPORT_PATH or scope["method"] != "GET":
            await self.proxy(scope, receive, send)
            return
        # Charged to the caller's rate limits as any request; its parts are not charged again.
        account = await get(self.proxy, scope, EXPORT_PATH, charged=False)
        if account.status != 200:
            await _replay(account, send)  # users' own answer (401, 404 ...), as it is
            return
        document = orjson.loads(bytes(account.body))
        for key, path in self.parts.items():
            if self.routes.match(path) is None:
                continue  # not part of this deployment
            part = await get(self.proxy, scope, path)
            if part.status != 200:
                problem = Problem(
                    503,
                    f"The account export could not include {key} now; try again shortly.",
                    code="export-incomplete",
                    headers={"Retry-After": "5"},
                    part=key,
                )
                await problem_response(problem, instance=EXPORT_PATH)(scope, receive, send)
                return
            document[key] = orjson.loads(bytes(part.body))
        body = orjson.dumps(document)
        headers = [(k, v) for k, v in account.headers if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await _replay(Answer(200, headers, bytearray(body)), send)
