"""Answering a POST that creates or charges under its Idempotency-Key (Stripe's semantics): the
first answer to a key, a refusal too, is kept and replayed with `Idempotent-Replayed: true`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from cinemesh.billing.http.deps import BillingContext
from cinemesh.billing.http.problems import ERROR_STATUSES
from cinemesh.billing.service.idempotency import Answer
from cinemesh.platform.errors import DomainError
from cinemesh.platform.problems import PROBLEM_CONTENT_TYPE, domain_problem

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=255,
        description="Retries with the same key get the first answer; another body with it is a 409.",
    ),
]


async def idempotent(
    context: BillingContext,
    *,
    user_id: str,
    key: str | None,
    fingerprint: str,
    status_code: int,
    work: Callable[[], Awaitable[BaseModel]],
) -> JSONResponse:
    async def answer() -> Answer:
        try:
            result = await work()
        except DomainError as error:  # a refusal is an answer too: replayed as it was given
            problem = domain_problem(error, ERROR_STATUSES)
            return Answer(problem.status, problem.to_dict())
        return Answer(status_code, result.model_dump(mode="json"))

    if key is None:
        result = await answer()
    else:
        result = await context.idempotency.run(user_id=user_id, key=key, fingerprint=fingerprint, work=answer)
    headers = {"Idempotent-Replayed": "true"} if result.replayed else {}
    media_type = PROBLEM_CONTENT_TYPE if result.status_code >= 400 else "application/json"
    return JSONResponse(result.body, status_code=result.status_code, headers=headers, media_type=media_type)
