"""Domain errors: what a rule refuses, said in the domain's words, with a stable code.

Domain and use-case code raise these and know nothing of HTTP. Each service maps its error
classes to HTTP statuses once, in `http/problems.py` (`ERROR_STATUSES`), and the app factory
turns a raised error into RFC 9457 problem+json: the code becomes the problem `type`, a named
field becomes `errors[].field`. The lookup walks the class's MRO, so mapping a base class
(`NotFoundError`) maps its whole family.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class DomainError(Exception):
    """Base of every rule a use case can refuse. Subclasses set `code` (e.g. "plan-not-found")."""

    code: ClassVar[str] = "domain-error"

    def __init__(self, detail: str, *, field: str | None = None, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extensions = extensions


class FieldAtTop(DomainError):
    """Answered with the offending field as the problem's top-level `field` member, not in
    `errors[]`: the shape the catalog's and the users service's clients have always read for
    these errors (e.g. `{"type": ".../email-taken", "field": "email"}`)."""

    def __init__(self, detail: str, *, field: str | None = None, **extensions: Any) -> None:
        super().__init__(detail, **extensions)
        if field is not None:
            self.extensions["field"] = field


class NotFoundError(DomainError):
    """The thing does not exist, or the caller may not know that it does (no IDOR oracle)."""

    code = "not-found"


class ConflictError(DomainError):
    """The request fits the rules but not the current state."""

    code = "conflict"


class RuleViolation(DomainError):
    """The request breaks a rule whatever the state (an input the domain refuses)."""

    code = "rule-violation"


class ForbiddenError(DomainError):
    """The caller is known but not allowed to do this."""

    code = "forbidden"


ErrorStatuses = Mapping[type[DomainError], int]

# What a service gets without a table of its own; its table extends or overrides these.
DEFAULT_ERROR_STATUSES: ErrorStatuses = {
    NotFoundError: 404,
    ConflictError: 409,
    RuleViolation: 422,
    ForbiddenError: 403,
}


def status_of(error: DomainError, statuses: ErrorStatuses) -> int | None:
    """The status of the nearest class of `error` that `statuses` maps; None when none is."""
    for klass in type(error).__mro__:
        status = statuses.get(klass)
        if status is not None:
            return status
    return None
