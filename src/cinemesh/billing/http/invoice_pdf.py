"""An invoice or a credit note as a PDF (fpdf2). Deterministic: the same document gives the same
bytes (the creation date is its issue time), so replaying the ledger reproduces every PDF."""

from __future__ import annotations

from fastapi import Response
from fpdf import FPDF

from cinemesh.billing.domain.invoices import Invoice
from cinemesh.billing.domain.refunds import CreditNote


def money(amount: int, currency: str) -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}{currency} {abs(amount) // 100}.{abs(amount) % 100:02d}"


def printable(text: str) -> str:
    """Text in the PDF's core font (Latin-1): what it cannot draw becomes "?". A font file would
    draw more, but would make the bytes depend on the machine's fonts, and replaying the ledger must
    reproduce every PDF to the byte anywhere; the JSON documents keep the text whole."""
    return text.encode("latin-1", "replace").decode("latin-1")


def render(invoice: Invoice | CreditNote, *, test_mode: bool) -> bytes:
    credit = isinstance(invoice, CreditNote)
    title = f"{'Credit note' if credit else 'Invoice'} {invoice.display_number}"
    pdf = FPDF(format="A4")
    pdf.set_compression(False)  # small files; their text stays searchable
    pdf.set_creation_date(invoice.issued_at)
    pdf.set_title(title)
    pdf.set_author("cinemesh")
    pdf.add_page()
    pdf.set_font("helvetica", "B", 18)
    pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=10)
    if test_mode:
        pdf.cell(0, 6, "TEST MODE - sandbox payment, no money was charged.", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(
        0, 6, f"Issued: {invoice.issued_at.strftime('%Y-%m-%d %H:%M:%S UTC')}", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.cell(0, 6, f"Customer: {invoice.user_id}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, f"Country: {invoice.country or '-'}", new_x="LMARGIN", new_y="NEXT")
    if isinstance(invoice, CreditNote):
        pdf.cell(0, 6, f"Credits invoice: {invoice.invoice_display_number}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("helvetica", "B", 10)
    pdf.cell(140, 7, "Description", border="B")
    pdf.cell(40, 7, "Amount", border="B", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=10)
    for line in invoice.lines:
        pdf.cell(140, 7, printable(line.description))
        pdf.cell(40, 7, money(line.amount, invoice.currency), align="R", new_x="LMARGIN", new_y="NEXT")
    rate = f"{invoice.tax_rate_bp / 100:g} %"
    for label, amount in (("Subtotal", invoice.subtotal), (f"Tax ({rate})", invoice.tax)):
        pdf.cell(140, 7, label, border="T" if label == "Subtotal" else 0)
        pdf.cell(40, 7, money(amount, invoice.currency), align="R", border="T" if label == "Subtotal" else 0,
                 new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.set_font("helvetica", "B", 11)
    pdf.cell(140, 8, "Total credited" if credit else "Total paid")
    pdf.cell(40, 8, money(invoice.total, invoice.currency), align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def pdf_response(document: Invoice | CreditNote, *, test_mode: bool) -> Response:
    """The document as a download named by its number."""
    return Response(
        render(document, test_mode=test_mode),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{document.display_number}.pdf"'},
    )
