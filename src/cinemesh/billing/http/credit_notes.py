"""The customer's credit notes: what refunds gave back, each with its PDF."""

from __future__ import annotations

from fastapi import APIRouter, Response

from cinemesh.billing.http.deps import Context
from cinemesh.billing.http.invoice_pdf import pdf_response
from cinemesh.billing.http.schemas import CreditNoteOut
from cinemesh.platform.security import CurrentPrincipal

router = APIRouter(prefix="/api/v1/billing/credit-notes", tags=["billing"])


@router.get("", response_model=list[CreditNoteOut], summary="The account's credit notes, oldest first")
async def credit_notes(principal: CurrentPrincipal, context: Context) -> list[CreditNoteOut]:
    return [CreditNoteOut.of(note) for note in await context.refunds.credit_notes(user_id=principal.user_id)]


@router.get(
    "/{credit_note_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
    summary="One credit note as a PDF",
)
async def credit_note_pdf(credit_note_id: str, principal: CurrentPrincipal, context: Context) -> Response:
    note = await context.refunds.credit_note(user_id=principal.user_id, credit_note_id=credit_note_id)
    return pdf_response(note, test_mode=context.test_mode)


@router.get("/{credit_note_id}", response_model=CreditNoteOut, summary="One credit note")
async def credit_note(credit_note_id: str, principal: CurrentPrincipal, context: Context) -> CreditNoteOut:
    note = await context.refunds.credit_note(user_id=principal.user_id, credit_note_id=credit_note_id)
    return CreditNoteOut.of(note)
