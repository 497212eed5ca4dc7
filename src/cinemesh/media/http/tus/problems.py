"""The problems (RFC 9457) an upload's requests answer with: the upload's domain errors, mapped
by `ERROR_STATUSES`, with the tus headers a tus client reads on every answer (and where the
upload stands, or when to come back, where that helps). The upload routes use `TusRoute`, so
every domain error they raise is answered this way."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from cinemesh.media.domain.uploads import (
    ChecksumMismatchError,
    InsufficientStorageError,
    StorageUnavailableError,
    TitleNotFoundError,
    UploadOffsetError,
)
from cinemesh.media.http.problems import ERROR_STATUSES
from cinemesh.media.http.tus.protocol import tus_headers
from cinemesh.platform.errors import DomainError, status_of
from cinemesh.platform.problems import Problem

_TITLES: dict[type[DomainError], str] = {
    InsufficientStorageError: "Insufficient Storage",
    ChecksumMismatchError: "Checksum Mismatch",
}
# Transient refusals: when the client should try again.
_RETRY_AFTER: dict[type[DomainError], str] = {InsufficientStorageError: "60", StorageUnavailableError: "5"}


def _headers(error: DomainError) -> dict[str, str]:
    if isinstance(error, UploadOffsetError) and error.offset is not None:
        return {"Upload-Offset": str(error.offset), **tus_headers()}
    retry_after = _RETRY_AFTER.get(type(error))
    if retry_after is not None:
        return {"Retry-After": retry_after, **tus_headers()}
    return tus_headers()


def tus_problem(error: DomainError) -> Problem:
    status = status_of(error, ERROR_STATUSES)
    if status is None:
        raise error  # unmapped: a bug, answered 500 by the request middleware
    extensions = dict(error.extensions)
    if error.field is not None:
        extensions["field"] = error.field
    errors: list[dict[str, Any]] = []
    if isinstance(error, TitleNotFoundError):
        # The title is named in Upload-Metadata.
        errors.append(
            {"field": error.field, "in": "Upload-Metadata", "message": error.detail, "type": "not_found"}
        )
    return Problem(
        status,
        error.detail,
        code=error.code,
        title=_TITLES.get(type(error)),
        errors=errors,
        headers=_headers(error),
        **extensions,
    )


class TusRoute(APIRoute):
    """A route of the tus protocol: its domain errors are answered as `tus_problem`s."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except DomainError as error:
                raise tus_problem(error) from error

        return answer
