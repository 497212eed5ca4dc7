"""Arithmetic of money and billing periods: integer minor units, UTC times, no floats."""

from __future__ import annotations

import calendar
import datetime as dt


def add_months(moment: dt.datetime, months: int = 1) -> dt.datetime:
    """The same day and time `months` later, clamped to the month's last day (31 Jan -> 28 Feb)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def share(amount: int, numerator: int, denominator: int) -> int:
    """amount * numerator / denominator, rounded half away from zero, in integers."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    product = amount * numerator
    magnitude = (abs(product) * 2 + denominator) // (2 * denominator)
    return magnitude if product >= 0 else -magnitude


def tax_of(amount: int, rate_bp: int) -> int:
    """Tax on a net amount at a rate in basis points (2000 = 20 %)."""
    return share(amount, rate_bp, 10_000)


def seconds_between(start: dt.datetime, end: dt.datetime) -> int:
    return max(0, int((end - start).total_seconds()))
