"""Request-scoped context that follows a request across service calls and event hops.

The gateway assigns (or accepts) an `X-Request-Id`; it is carried in this context variable,
bound into every log line, forwarded on upstream HTTP calls and written into the envelope of
every event published while handling the request, so one id ties a user action to all of its
effects.
"""

from __future__ import annotations

from contextvars import ContextVar

REQUEST_ID_HEADER = "X-Request-Id"

request_id_var: ContextVar[str | None] = ContextVar("cinemesh_request_id", default=None)


def current_request_id() -> str | None:
    return request_id_var.get()
