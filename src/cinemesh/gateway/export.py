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

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cinemesh.gateway.domain import RouteTable
from cinemesh.platform.problems import Problem, problem_response

EXPORT_PATH = "/api/v1/me/export"
# key in the export -> the owner's export route (called through the gateway, as the caller).
EXPORT_PARTS: Mapping[str, str] = {"history": "/api/v1/history/export"}
_NOT_FORWARDED = frozenset({b"accept-encoding", b"if-none-match", b"if-modified-since", b"range"})


@dataclass
class Captured:
    status: int = 0
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytearray = field(default_factory=bytearray)


async def _call(app: ASGIApp, scope: Scope, path: str) -> Captured:
    """A GET of `path` through `app` with the caller's scope (headers, client), collected."""
    # The caller's credentials and address go along; nothing that could change the body's form.
    headers = [(k, v) for k, v in scope["headers"] if k.lower() not in _NOT_FORWARDED]
    sub = {**scope, "path": path, "raw_path": path.encode(), "query_string": b"", "headers": headers}
    captured = Captured()
    done = asyncio.Event()
    sent_request = False

    async def receive() -> Message:
        nonlocal sent_request
        if not sent_request:
            sent_request = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            captured.status = message["status"]
            captured.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            captured.body += message.get("body", b"")
            if not message.get("more_body", False):
                done.set()

    try:
        await app(sub, receive, send)
    finally:
        done.set()
    return captured


async def _replay(captured: Captured, send: Send) -> None:
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
        account = await _call(self.proxy, scope, EXPORT_PATH)
        if account.status != 200:
            await _replay(account, send)  # users' own answer (401, 404 ...), as it is
            return
        document = orjson.loads(bytes(account.body))
        for key, path in self.parts.items():
            if self.routes.match(path) is None:
                continue  # not part of this deployment
            part = await _call(self.proxy, scope, path)
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
        await _replay(Captured(200, headers, bytearray(body)), send)
