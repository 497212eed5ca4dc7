"""The customer's invoices."""

from __future__ import annotations

from fastapi import APIRouter, Response

from cinemesh.billing.http.deps import Context
from cinemesh.billing.http.invoice_pdf import pdf_response
from cinemesh.billing.http.schemas import InvoiceOut
from cinemesh.platform.security import CurrentPrincipal

router = APIRouter(prefix="/api/v1/billing/invoices", tags=["billing"])


@router.get("", response_model=list[InvoiceOut], summary="The account's invoices, oldest first")
async def invoices(principal: CurrentPrincipal, context: Context) -> list[InvoiceOut]:
    return [InvoiceOut.of(invoice) for invoice in await context.queries.invoices(user_id=principal.user_id)]


@router.get(
    "/{invoice_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
    summary="One invoice as a PDF",
)
async def invoice_pdf(invoice_id: str, principal: CurrentPrincipal, context: Context) -> Response:
    invoice = await context.queries.invoice(user_id=principal.user_id, invoice_id=invoice_id)
    return pdf_response(invoice, test_mode=context.test_mode)


@router.get("/{invoice_id}", response_model=InvoiceOut, summary="One invoice")
async def invoice(invoice_id: str, principal: CurrentPrincipal, context: Context) -> InvoiceOut:
    return InvoiceOut.of(await context.queries.invoice(user_id=principal.user_id, invoice_id=invoice_id))
