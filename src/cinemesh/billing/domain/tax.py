"""Tax by the account's country, in basis points (2000 = 20 %).

The shipped table holds the EU standard VAT rates (digital services are taxed where the customer
lives) and the UK's; a deployment replaces or extends it with CINEMESH_BILLING_TAX_RATES.
Countries not listed pay no tax on our invoices.
"""

from __future__ import annotations

from collections.abc import Mapping

EU_VAT_BP: Mapping[str, int] = {
    "AT": 2000, "BE": 2100, "BG": 2000, "HR": 2500, "CY": 1900, "CZ": 2100, "DK": 2500,
    "EE": 2400, "FI": 2550, "FR": 2000, "DE": 1900, "GR": 2400, "HU": 2700, "IE": 2300,
    "IT": 2200, "LV": 2100, "LT": 2100, "LU": 1700, "MT": 1800, "NL": 2100, "PL": 2300,
    "PT": 2300, "RO": 2100, "SK": 2300, "SI": 2200, "ES": 2100, "SE": 2500,
}  # fmt: skip
DEFAULT_RATES_BP: Mapping[str, int] = {**EU_VAT_BP, "GB": 2000}


class TaxTable:
    def __init__(self, rates_bp: Mapping[str, int]) -> None:
        for country, rate in rates_bp.items():
            if len(country) != 2 or not 0 <= rate <= 10_000:
                raise ValueError(f"bad tax rate {country}={rate}: a 2-letter country and 0..10000 bp")
        self._rates = {country.upper(): rate for country, rate in rates_bp.items()}

    def rate_bp(self, country: str | None) -> int:
        return self._rates.get((country or "").upper(), 0)
