"""Plans: the four tiers of the seed schema, their prices and what each lets an account play.

Billing is where entitlements are defined; delivery obeys what billing publishes. Prices are
integer minor units per currency (cents, pence), before tax.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Tier = Literal["basic", "standard", "premium", "ultra"]
TIERS: tuple[Tier, ...] = ("basic", "standard", "premium", "ultra")
CURRENCIES = ("USD", "EUR", "GBP")


@dataclass(frozen=True)
class Entitlements:
    max_height: int  # the highest rendition a session may receive
    concurrent_streams: int
    downloads: int  # titles kept offline at once; 0 = no downloads


@dataclass(frozen=True)
class Plan:
    id: Tier
    name: str
    rank: int  # ordering: a higher rank is an upgrade
    prices: dict[str, int]  # currency -> minor units per month
    entitlements: Entitlements

    def price(self, currency: str) -> int:
        return self.prices[currency]


PLANS: dict[str, Plan] = {
    plan.id: plan
    for plan in (
        Plan("basic", "Basic", 0, {"USD": 699, "EUR": 699, "GBP": 599}, Entitlements(720, 1, 0)),
        Plan("standard", "Standard", 1, {"USD": 1549, "EUR": 1299, "GBP": 1099}, Entitlements(1080, 2, 2)),
        Plan("premium", "Premium", 2, {"USD": 2299, "EUR": 1799, "GBP": 1599}, Entitlements(2160, 4, 6)),
        Plan("ultra", "Ultra", 3, {"USD": 2999, "EUR": 2499, "GBP": 2199}, Entitlements(2160, 6, 10)),
    )
}

# Where a country pays in euro; the rest of the world pays in US dollars, the UK in pounds.
_EURO_AREA = frozenset(
    ("AT", "BE", "HR", "CY", "EE", "FI", "FR", "DE", "GR", "IE",
     "IT", "LV", "LT", "LU", "MT", "NL", "PT", "SK", "SI", "ES")
)  # fmt: skip


def currency_for(country: str | None) -> str:
    code = (country or "").upper()
    if code == "GB":
        return "GBP"
    if code in _EURO_AREA:
        return "EUR"
    return "USD"


def plan_named(plan_id: str) -> Plan | None:
    return PLANS.get(plan_id)
