"""A GET the gateway makes through its own proxy, as the caller, for a page it composes.

The sub-request carries the caller's scope (token, address) and so passes the same route table,
authentication, breaker, bulkhead and timeout as any request; each service checks the caller
itself. It is not charged to the caller's rate limits again when the page was (`charged`). The
answer is collected: these are small JSON documents. (The account export, `http/export.py`, and
the home page, `service.py`, make theirs this way.)
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import orjson
from starlette.types import ASGIApp, Message, Scope

# Set on the scope of a sub-request; the proxy does not charge it to the rate limits when True.
SUBREQUEST_SCOPE_KEY = "cinemesh.subrequest"

# Nothing that would change the form of the answer (compression, validators, ranges) goes along.
_NOT_FORWARDED = frozenset(
    {b"accept-encoding", b"if-none-match", b"if-modified-since", b"range", b"content-length", b"content-type"}
)


@dataclass
class Answer:
    status: int = 0
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytearray = field(default_factory=bytearray)

    def json(self) -> Any:
        return orjson.loads(bytes(self.body))


async def get(
    app: ASGIApp, scope: Scope, path: str, query: dict[str, str | int] | None = None, *, charged: bool = True
) -> Answer:
    """A GET of `path` through `app` with the caller's scope (token, address), collected.
    `charged`: the caller's rate limits already counted the request this one serves."""
    headers = [(k, v) for k, v in scope["headers"] if k.lower() not in _NOT_FORWARDED]
    sub: Scope = {
        **scope,
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": urlencode(query or {}).encode(),
        "headers": headers,
        SUBREQUEST_SCOPE_KEY: charged,
    }
    answer = Answer()
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
            answer.status = message["status"]
            answer.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            answer.body += message.get("body", b"")
            if not message.get("more_body", False):
                done.set()

    try:
        await app(sub, receive, send)
    finally:
        done.set()
    return answer
