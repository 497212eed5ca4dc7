"""Operators refunding an invoice (all of it or part), and an account's invoices and credit notes
as the refund page lists them. A refund needs an Idempotency-Key: a double click or a retried
request gives money back once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Request
from fastapi.responses import JSONResponse

from cinemesh.billing.http.deps import Admin, Context
from cinemesh.billing.http.idempotent import idempotent
from cinemesh.billing.http.schemas import CreditNoteOut, InvoiceOut, RefundIn
from cinemesh.billing.service.idempotency import request_hash

router = APIRouter(prefix="/api/v1/admin/billing", tags=["billing admin"])
Id = Annotated[str, Path(min_length=36, max_length=36, pattern=r"^[0-9a-f-]{36}$")]
RequiredKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Required: a retry with the same key gives back once; another body with it is a 409.",
    ),
]


@router.post(
    "/invoices/{invoice_id}/refunds",
    status_code=201,
    response_model=CreditNoteOut,
    summary="Refund an invoice (default: all that is left), issuing a credit note",
    responses={502: {"description": "The payment provider refused the refund"}},
)
async def refund(
    invoice_id: Id, body: RefundIn, request: Request, admin: Admin, context: Context, key: RequiredKey
) -> JSONResponse:
    async def work() -> CreditNoteOut:
        note = await context.refunds.refund(
            invoice_id=invoice_id,
            amount=body.amount,
            reason=body.reason,
            key=key,
            causation=f"admin:{admin.user_id}:{request.headers.get('x-request-id', '')}",
        )
        return CreditNoteOut.of(note)

    fingerprint = request_hash("POST", request.url.path, body.model_dump_json().encode())
    return await idempotent(
        context, user_id=admin.user_id, key=key, fingerprint=fingerprint, status_code=201, work=work
    )


@router.get("/accounts/{user_id}/invoices", response_model=list[InvoiceOut], summary="An account's invoices")
async def invoices(user_id: Id, _: Admin, context: Context) -> list[InvoiceOut]:
    return [InvoiceOut.of(invoice) for invoice in await context.queries.invoices(user_id=user_id)]


@router.get(
    "/accounts/{user_id}/credit-notes",
    response_model=list[CreditNoteOut],
    summary="An account's credit notes",
)
async def credit_notes(user_id: Id, _: Admin, context: Context) -> list[CreditNoteOut]:
    return [CreditNoteOut.of(note) for note in await context.refunds.credit_notes(user_id=user_id)]
