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

from bench._proc import load_average
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

                checkout_clock = _Stopwatch()
                await asyncio.gather(*(checkout_worker() for _ in range(concurrency)))
                checkout_clock.stop()

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
            clock = _Stopwatch()
            report = await context.renewals.run(now=due)
            renewal = clock.stop()
            renewed = report.outcomes["renewed"]
            assert renewed == subscriptions, report

            provider = SandboxProvider(database, writer=asyncio.Lock())  # as billing's, uncontended
            method = await provider.attach(user_id="bench", details=CARD)
            clock = _Stopwatch()
            for index in range(subscriptions):
                await provider.charge(
                    payment_method=method, amount=1546, currency="EUR", idempotency_key=f"bare-{index}"
                )
            bare = clock.stop()
        await database.dispose()

    p50, p99 = _quantile(latencies, 0.5) * 1000, _quantile(latencies, 0.99) * 1000
    rows = [
        (f"renewal pass over {subscriptions:,} due subscriptions", renewal.show(renewed, "renewals")),
        ("baseline: the provider's bare charge calls, same count, same database",
         bare.show(subscriptions, "charges")),
        ("ratio renewals / bare charges, wall clock (goal >= 0.8x)", f"{bare.wall / renewal.wall:.2f}x"),
        ("ratio renewals / bare charges, CPU time (goal >= 0.8x)", f"{bare.cpu / renewal.cpu:.2f}x"),
        (f"checkout over HTTP, concurrency {concurrency}, {checkouts} checkouts: p50 / p99",
         f"{p50:.1f} ms / {p99:.1f} ms; {checkouts / checkout_clock.wall:.0f} checkouts/s, CPU "
         f"{checkout_clock.cpu * 1000 / checkouts:.1f} ms per checkout (load {checkout_clock.load})"),
    ]  # fmt: skip
    table = "\n".join(f"| {measure} | {value} |" for measure, value in rows)
    return (
        "## Billing: renewal pass and checkout\n\n"
        "`python -m bench.billing` (SQLite, in-process, sandbox provider). CPU time is this process's\n"
        "(its SQLite threads included): steadier than the wall clock on this shared machine. Load\n"
        "average (1 / 5 / 15 min) at the end of each measure.\n\n"
        f"| measure | value |\n|---|---|\n{table}\n\n"
        "A renewal is three transactions (the charge request committed before the provider is asked,\n"
        "the provider's own, then the outcome with its invoice number) against the bare charge's one:\n"
        "the price of a charge that cannot happen twice after a crash. The pass does them for a chunk of\n"
        "subscriptions at a time: one transaction locks and reads the chunk's ledgers and commits all\n"
        "its charge requests, the provider is asked for each, one transaction records all the answers.\n"
    )


class _Stopwatch:
    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        self.load = ""

    def stop(self) -> _Stopwatch:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu
        self.load = load_average()
        return self

    def show(self, count: int, unit: str) -> str:
        return (
            f"{self.wall:.1f} s, {count / self.wall:.0f} {unit}/s; CPU {self.cpu * 1000 / count:.2f} ms "
            f"per {unit[:-1]} (load {self.load})"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscriptions", type=int, default=10000)
    parser.add_argument("--checkouts", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    markdown = asyncio.run(run(args.subscriptions, args.checkouts, args.concurrency))
    print(markdown)
    write_section("billing", markdown)


if __name__ == "__main__":
    main()
