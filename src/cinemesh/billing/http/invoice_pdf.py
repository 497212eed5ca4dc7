"""An invoice as a PDF (fpdf2). Deterministic: the same invoice gives the same bytes (the
creation date is the invoice's issue time), so replaying the ledger reproduces every PDF."""

from __future__ import annotations

from fpdf import FPDF

from cinemesh.billing.domain.invoices import Invoice


def money(amount: int, currency: str) -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}{currency} {abs(amount) // 100}.{abs(amount) % 100:02d}"


def render(invoice: Invoice, *, test_mode: bool) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_compression(False)  # small files; their text stays searchable
    pdf.set_creation_date(invoice.issued_at)
    pdf.set_title(f"Invoice {invoice.display_number}")
    pdf.set_author("cinemesh")
    pdf.add_page()
    pdf.set_font("helvetica", "B", 18)
    pdf.cell(0, 10, f"Invoice {invoice.display_number}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=10)
    if test_mode:
        pdf.cell(0, 6, "TEST MODE - sandbox payment, no money was charged.", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(
        0, 6, f"Issued: {invoice.issued_at.strftime('%Y-%m-%d %H:%M:%S UTC')}", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.cell(0, 6, f"Customer: {invoice.user_id}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, f"Country: {invoice.country or '-'}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("helvetica", "B", 10)
    pdf.cell(140, 7, "Description", border="B")
    pdf.cell(40, 7, "Amount", border="B", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=10)
    for line in invoice.lines:
        pdf.cell(140, 7, line.description)
        pdf.cell(40, 7, money(line.amount, invoice.currency), align="R", new_x="LMARGIN", new_y="NEXT")
    rate = f"{invoice.tax_rate_bp / 100:g} %"
    for label, amount in (("Subtotal", invoice.subtotal), (f"Tax ({rate})", invoice.tax)):
        pdf.cell(140, 7, label, border="T" if label == "Subtotal" else 0)
        pdf.cell(40, 7, money(amount, invoice.currency), align="R", border="T" if label == "Subtotal" else 0,
                 new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.set_font("helvetica", "B", 11)
    pdf.cell(140, 8, "Total paid")
    pdf.cell(40, 8, money(invoice.total, invoice.currency), align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
