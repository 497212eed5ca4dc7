"""Problems shared by the account's use cases (each names the field, like a validation error)."""

from __future__ import annotations

from cinemesh.platform.problems import Problem


def field_problem(field: str, message: str, *, code: str, kind: str = "value_error") -> Problem:
    """A 422 in the same shape as the request-validation problems: `errors[].field` names it."""
    return Problem(
        422,
        f"Invalid value for: {field}. {message}",
        code=code,
        field=field,
        errors=[{"field": field, "in": "body", "message": message, "type": kind}],
    )


def limit_problem(field: str, limit: int, what: str) -> Problem:
    return field_problem(
        field,
        f"An account holds at most {limit} {what}.",
        code=f"{field.replace('_', '-')}-limit",
        kind="too_long",
    )


def not_found(what: str) -> Problem:
    # Another account's id reads exactly like an id that does not exist: no existence oracle.
    return Problem(404, f"No such {what} on this account.", code=f"{what.replace(' ', '-')}-not-found")


ACCOUNT_GONE = Problem(
    401,
    "Invalid access token: the account no longer exists.",
    code="invalid-token",
    headers={"WWW-Authenticate": 'Bearer realm="cinemesh"'},
)
