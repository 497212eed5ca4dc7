"""Refuses text no database can store, for every service at once: U+0000 and lone surrogates.

pydantic takes both as an ordinary `str`, and each blows up only when it reaches a driver:
PostgreSQL refuses U+0000 in text (asyncpg raises, SQLite stores it), and a lone surrogate
(JSON `"\\ud800"`) cannot be encoded as UTF-8 by any driver. Either way the request was a 500,
the same input gave different answers on the two platform shapes, and the gateway's breaker
counted those 500s as the upstream failing. So they are refused at the edge, before any route
runs, with the 422 the validation handler gives (`errors[].field` names where the text was):
JSON bodies, URL-encoded forms, the query string and the path.

JSON can only carry either character as a `\\u` escape (raw control characters are invalid
JSON, raw surrogate bytes invalid UTF-8), so a body is parsed here only when such an escape
appears in it; every other request pays one scan of its bytes.

Behind that, `install_data_exception_handler` answers what a database still refuses as a value
(SQLSTATE class 22, "data exception": a number out of range, a malformed literal, a character
out of repertoire) with a 422 rather than a 500: such a refusal is caused by the request's
input, and a 500 is what a breaker in front counts against the service.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from sqlalchemy.exc import DBAPIError
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cinemesh.platform.logging import get_logger
from cinemesh.platform.problems import Problem, field_name, problem_response

log = get_logger("cinemesh.http")

# Any character a UTF-8 database column cannot hold.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# The escapes that can produce one in JSON (a paired surrogate is fine, but rare enough to parse).
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")
MESSAGE = "must not contain U+0000 or an unpaired surrogate (no database can store them)"


def is_storable(text: str) -> bool:
    return _UNSTORABLE.search(text) is None


def unstorable_location(value: Any, location: tuple[str | int, ...] = ()) -> tuple[str | int, ...] | None:
    """Where in a parsed JSON document the first unstorable string (or object key) is."""
    if isinstance(value, str):
        return None if is_storable(value) else location
    if isinstance(value, dict):
        for key, item in value.items():
            if not is_storable(key):
                return (*location, key.encode("utf-8", "backslashreplace").decode())
            found = unstorable_location(item, (*location, key))
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = unstorable_location(item, (*location, index))
            if found is not None:
                return found
    return None


def unstorable_problem(where: str, location: Sequence[str | int]) -> Problem:
    field = field_name([where, *location]) if location else where
    error = {"field": field, "in": where, "message": MESSAGE, "type": "string_unstorable"}
    return Problem(422, f"Invalid value for: {field}.", code="validation-error", errors=[error])


def _pairs_problem(where: str, encoded: str) -> Problem | None:
    for name, value in parse_qsl(encoded, keep_blank_values=True):
        if not is_storable(name) or not is_storable(value):
            return unstorable_problem(where, [name if is_storable(name) else where])
    return None


class StorableTextMiddleware:
    """Pure ASGI: bodies that are not JSON or a form (uploads, segments) stream through untouched;
    a JSON or form body is read whole (the body size limit outside bounds it), checked, replayed."""

    def __init__(self, app: ASGIApp, *, exempt_prefixes: Sequence[str] = ()) -> None:
        self.app = app
        self.exempt_prefixes = tuple(exempt_prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = self._url_problem(scope)
        content_type = dict(scope["headers"]).get(b"content-type", b"").split(b";")[0].strip().lower()
        checked = (content_type == b"application/json" or content_type.endswith(b"+json")) or (
            content_type == b"application/x-www-form-urlencoded"
        )
        if problem is None and checked and not scope["path"].startswith(self.exempt_prefixes):
            body = await _read_body(receive)
            problem = _body_problem(content_type, body)
            receive = _replay(body, receive)
        if problem is not None:
            await problem_response(problem, instance=scope["path"])(scope, receive, send)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _url_problem(scope: Scope) -> Problem | None:
        if not is_storable(scope["path"]):
            return unstorable_problem("path", [])
        return _pairs_problem("query", scope.get("query_string", b"").decode("latin-1"))


def _body_problem(content_type: bytes, body: bytes) -> Problem | None:
    if content_type == b"application/x-www-form-urlencoded":
        return _pairs_problem("body", body.decode("latin-1"))
    if _SUSPECT_ESCAPE.search(body) is None:
        return None
    try:
        document = json.loads(body)
    except ValueError:
        return None  # malformed JSON: the route's own parsing answers 400
    location = unstorable_location(document)
    return None if location is None else unstorable_problem("body", location)


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()  # what comes after the body: the client's disconnect
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


_DATA_EXCEPTION_CLASS = "22"
# The generic code of the class is what asyncpg's own client-side type check reports (a str
# bound where the query wants an int): that is our bug, not the input's, so it stays a 500.
_DRIVER_TYPE_CHECK = "22000"


def install_data_exception_handler(app: FastAPI) -> None:
    async def on_database_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DBAPIError)
        sqlstate = getattr(exc.orig, "sqlstate", None)
        data_exception = isinstance(sqlstate, str) and sqlstate.startswith(_DATA_EXCEPTION_CLASS)
        if not data_exception or sqlstate == _DRIVER_TYPE_CHECK:
            raise exc  # a real failure: the request middleware logs it and answers 500
        # Logged: it means a limit is missing from a request model, which should name the field.
        log.warning("database_refused_value", path=request.url.path, sqlstate=sqlstate)
        problem = Problem(422, "A value in the request cannot be stored.", code="unstorable-value")
        return problem_response(problem, instance=request.url.path)

    app.add_exception_handler(DBAPIError, on_database_error)
