"""Billing benchmark: the renewal pass over many due subscriptions, and checkout latency.

    .venv/bin/python -m bench.billing [--subscriptions 10000] [--checkouts 400] [--concurrency 8]

1. Renewal: N subscriptions in trial are made due at once; one renewal pass as of then charges
   each through the sandbox provider (ledger request, charge, ledger outcome + invoice). The
   baseline, in the same run on the same database: the provider's bare charge calls, one per
   subscription. Goal: renewals/s >= 0.8x bare charges/s (the ledger must not be the bottleneck).
2. Checkout through billing's HTTP API (in-process ASGI, SQLite): p50/p99 at the given concurrency.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import tempfile
import time
from pathlib import Path

import httpx

from bench._report import write_section
from cinemesh.billing.bootstrap import build_app
from cinemesh.billing.domain.payments import CardDetails
from cinemesh.billing.http.deps import BillingContext
from cinemesh.billing.providers.sandbox import SandboxProvider
from cinemesh.billing.settings import BillingSettings
from cinemesh.platform.ids import new_id_str
from cinemesh.platform.settings import Settings
from cinemesh.platform.tokens import SigningKey, TokenIssuer

CARD = CardDetails(number="4242424242424242", exp_month=12, exp_year=2040, cvc="123")
BODY = {"plan": "standard", "payment_method": {"type": "credit_card", "number": "4242424242424242",
        "exp_month": 12, "exp_year": 2040, "cvc": "123"}}  # fmt: skip


def _quantile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run(subscriptions: int, checkouts: int, concurrency: int) -> str:
    issuer = TokenIssuer([SigningKey.generate()], ttl_seconds=3600)

    async def jwks() -> dict[str, object]:
        return issuer.jwks()

    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(
            Settings(data_dir=Path(tmp)), jwks_fetcher=jwks, billing_settings=BillingSettings(trial_days=0)
        )
        async with app.router.lifespan_context(app):
            context: BillingContext = app.state.context
            database = app.state.runtime.database

            # -- 2. checkout latency over HTTP (these accounts take their trial) ----------------
            latencies: list[float] = []
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://billing") as client:
                queue = list(range(checkouts))

                async def checkout_worker() -> None:
                    while queue:
                        queue.pop()
                        token = issuer.issue(user_id=new_id_str(), roles=["viewer"], extra={"country": "DE"})
                        started = time.perf_counter()
                        response = await client.post(
                            "/api/v1/billing/checkout",
                            json=BODY,
                            headers={"Authorization": f"Bearer {token}"},
                        )
                        latencies.append(time.perf_counter() - started)
                        assert response.status_code == 201, response.text

                await asyncio.gather(*(checkout_worker() for _ in range(concurrency)))

            # -- 1. seed N trials, all due at the same instant ------------------------------
            pending = list(range(subscriptions - checkouts))

            async def seed_worker() -> None:
                while pending:
                    pending.pop()
                    await context.subscriptions.checkout(
                        user_id=new_id_str(), country="DE", plan="standard", payment=CARD,
                        promotion_code=None, causation=None,
                    )  # fmt: skip

            await asyncio.gather(*(seed_worker() for _ in range(4)))
            due = dt.datetime.now(dt.UTC) + dt.timedelta(days=32)  # every period (a month) has ended
            started = time.perf_counter()
            report = await context.renewals.run(now=due)
            renewal_seconds = time.perf_counter() - started
            renewed = report.outcomes["renewed"]
            assert renewed == subscriptions, report

            provider = SandboxProvider(database)
            method = await provider.attach(user_id="bench", details=CARD)
            started = time.perf_counter()
            for index in range(subscriptions):
                await provider.charge(
                    payment_method=method, amount=1546, currency="EUR", idempotency_key=f"bare-{index}"
                )
            bare_seconds = time.perf_counter() - started
        await database.dispose()

    renewal_rate, bare_rate = renewed / renewal_seconds, subscriptions / bare_seconds
    p50, p99 = _quantile(latencies, 0.5) * 1000, _quantile(latencies, 0.99) * 1000
    rows = [
        (f"renewal pass over {subscriptions:,} due subscriptions",
         f"{renewal_seconds:.1f} s, {renewal_rate:.0f} renewals/s"),
        ("baseline: the provider's bare charge calls, same count, same database",
         f"{bare_seconds:.1f} s, {bare_rate:.0f} charges/s"),
        ("ratio renewals / bare charges (goal >= 0.8x)", f"{renewal_rate / bare_rate:.2f}x"),
        (f"checkout over HTTP, concurrency {concurrency}, {checkouts} checkouts: p50 / p99",
         f"{p50:.1f} ms / {p99:.1f} ms"),
    ]  # fmt: skip
    table = "\n".join(f"| {measure} | {value} |" for measure, value in rows)
    return (
        "## Billing: renewal pass and checkout\n\n"
        "`python -m bench.billing` (SQLite, in-process, sandbox provider).\n\n"
        f"| measure | value |\n|---|---|\n{table}\n\n"
        "A renewal is three transactions (the charge request committed before the provider is asked,\n"
        "the provider's own, then the outcome with its invoice number) against the bare charge's one:\n"
        "the price of a charge that cannot happen twice after a crash.\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscriptions", type=int, default=2000)
    parser.add_argument("--checkouts", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    markdown = asyncio.run(run(args.subscriptions, args.checkouts, args.concurrency))
    print(markdown)
    write_section("billing", markdown)


if __name__ == "__main__":
    main()
