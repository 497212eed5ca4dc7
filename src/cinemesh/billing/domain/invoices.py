"""Invoices as a projection of the ledger: each `invoice_issued` entry gives one invoice, whose
lines are computed here from the inputs the entry carries, so replaying the ledger gives the same
invoices, to the byte, whatever the price list says today."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from cinemesh.billing.domain.ledger import CouponItem, Entry, InvoiceIssued, Item, PlanItem, ProrationItem
from cinemesh.billing.domain.money import share, tax_of
from cinemesh.billing.domain.plans import PLANS


@dataclass(frozen=True)
class Line:
    kind: str  # plan, proration, tax
    description: str
    amount: int  # minor units; a credit is negative


@dataclass(frozen=True)
class Invoice:
    invoice_id: str
    number: int
    subscription_id: str
    user_id: str
    issued_at: dt.datetime
    currency: str
    country: str | None
    tax_rate_bp: int
    lines: tuple[Line, ...]
    subtotal: int
    tax: int
    total: int

    @property
    def display_number(self) -> str:
        return display_number(self.number)


def display_number(number: int) -> str:
    """An invoice's number as printed and quoted (a credit note quotes its invoice's)."""
    return f"CM-{number:06d}"


def _plan_name(plan: str) -> str:
    known = PLANS.get(plan)
    return known.name if known else plan


def _day(moment: dt.datetime) -> str:
    return moment.date().isoformat()


def item_lines(item: Item, *, before: int = 0) -> list[Line]:
    """The lines of one item; `before` is the sum of the lines before it (what a coupon takes from)."""
    if isinstance(item, CouponItem):
        return [Line("coupon", f"Discount: {item.terms.name}", -item.terms.discount(max(0, before)))]
    if isinstance(item, PlanItem):
        return [
            Line(
                "plan",
                f"{_plan_name(item.plan)} plan, {_day(item.period_start)} to {_day(item.period_end)}",
                item.unit_amount,
            )
        ]
    assert isinstance(item, ProrationItem)
    credit = share(item.from_amount, item.remaining_seconds, item.period_seconds)
    charge = share(item.to_amount, item.remaining_seconds, item.period_seconds)
    until = _day(item.period_end)
    return [
        Line("proration", f"Unused time on {_plan_name(item.from_plan)} until {until}", -credit),
        Line("proration", f"Remaining time on {_plan_name(item.to_plan)} until {until}", charge),
    ]


@dataclass(frozen=True)
class Totals:
    lines: tuple[Line, ...]
    subtotal: int
    tax: int
    total: int


def totals(items: Iterable[Item], tax_rate_bp: int) -> Totals:
    lines: list[Line] = []
    for item in items:
        lines += item_lines(item, before=sum(line.amount for line in lines))
    subtotal = max(0, sum(line.amount for line in lines))
    tax = tax_of(subtotal, tax_rate_bp)
    return Totals(lines=tuple(lines), subtotal=subtotal, tax=tax, total=subtotal + tax)


def invoice_of(entry: Entry, *, user_id: str) -> Invoice:
    issued = entry.data
    assert isinstance(issued, InvoiceIssued)
    computed = totals(issued.items, issued.tax_rate_bp)
    return Invoice(
        invoice_id=issued.invoice_id,
        number=issued.number,
        subscription_id=entry.subscription_id,
        user_id=user_id,
        issued_at=entry.effective_at,
        currency=issued.currency,
        country=issued.country,
        tax_rate_bp=issued.tax_rate_bp,
        lines=computed.lines,
        subtotal=computed.subtotal,
        tax=computed.tax,
        total=computed.total,
    )


def project(entries: Iterable[Entry], *, user_id: str) -> list[Invoice]:
    """Every invoice of one subscription's ledger, in order."""
    return [invoice_of(entry, user_id=user_id) for entry in entries if isinstance(entry.data, InvoiceIssued)]
