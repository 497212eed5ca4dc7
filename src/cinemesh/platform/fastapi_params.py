"""Parameter facts FastAPI derives again on every request, remembered per declared parameter.

For each query, header, path or cookie parameter of each request, FastAPI (as pinned) works out
from the parameter's declaration alone whether it is a model, which names it answers to and
whether its type is a sequence: typing introspection and `issubclass` walks whose answer never
changes. With a handful of parameters that was a quarter of a small read's CPU (`GET
/api/v1/titles`, bench.request_path). `install()` wraps those three pure functions so each
answer is computed once per parameter object; the objects are kept by the cache, so an id is
never reused while its answer is held.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from fastapi.dependencies import utils

_MEMOIZED = ("_get_param_model", "_get_param_aliases", "field_annotation_is_sequence")
_MAX_ENTRIES = 8192  # parameters are declared once per route: this is never reached in practice


def _by_identity(function: Callable[..., Any]) -> Callable[..., Any]:
    answers: dict[tuple[int, tuple[tuple[str, Any], ...]], tuple[object, Any]] = {}

    @functools.wraps(function)
    def remembered(subject: object, **options: Any) -> Any:
        key = (id(subject), tuple(sorted(options.items())))
        known = answers.get(key)
        if known is not None and known[0] is subject:
            return known[1]
        answer = function(subject, **options)
        if len(answers) >= _MAX_ENTRIES:
            answers.clear()
        answers[key] = (subject, answer)
        return answer

    remembered.__dict__["cinemesh_remembered"] = function
    return remembered


def install() -> None:
    """Idempotent; a FastAPI without these functions is left as it is (only slower)."""
    for name in _MEMOIZED:
        current = getattr(utils, name, None)
        if current is not None and not hasattr(current, "cinemesh_remembered"):
            setattr(utils, name, _by_identity(current))


def installed() -> bool:
    return all(hasattr(getattr(utils, name, None), "cinemesh_remembered") for name in _MEMOIZED)
