"""Users benchmark: argon2id cost, login throughput and p99, token verification per request.

    .venv/bin/python -m bench.login [--logins 200] [--concurrency 8]

1. argon2id calibration: the time of one hash for a few parameter sets; the service default is
   the one nearest 50 ms on this machine.
2. Login through the users service's HTTP API (in-process ASGI, SQLite) with the default
   parameters: throughput and p50/p99 latency, against the baseline of bare argon2id verifies at
   the same concurrency in the same run (the ceiling hashing alone allows).
3. Token verification at the gateway: the whole platform in-process; the same public catalog
   request timed with and without a bearer token, and `TokenVerifier.verify` alone.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from argon2 import PasswordHasher

from bench._report import write_section
from cinemesh.composition import build_platform
from cinemesh.platform.settings import Settings
from cinemesh.users.bootstrap import build_app
from cinemesh.users.identity.passwords import PasswordHashing
from cinemesh.users.settings import UsersSettings

PASSWORD = "correct horse battery staple"
ROUNDS = 4
# OWASP's argon2id settings (t=1/47 MiB ... t=3/12 MiB, t=2/19 MiB) and two costlier ones.
CANDIDATES = [(1, 19 * 1024), (3, 12 * 1024), (2, 19 * 1024), (1, 46 * 1024), (2, 32 * 1024), (3, 32 * 1024)]


def _quantile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def calibrate(rounds: int = 7) -> list[tuple[int, int, float]]:
    rows = []
    for time_cost, memory_kib in CANDIDATES:
        hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)
        encoded = hasher.hash(PASSWORD)
        timings = []
        for _ in range(rounds):
            started = time.perf_counter()
            hasher.verify(encoded, PASSWORD)
            timings.append(time.perf_counter() - started)
        rows.append((time_cost, memory_kib, statistics.median(timings) * 1000))
    return rows


async def _drive(
    count: int, concurrency: int, one: Callable[[], Awaitable[None]]
) -> tuple[float, list[float]]:
    latencies: list[float] = []
    queue = list(range(count))

    async def worker() -> None:
        while queue:
            queue.pop()
            started = time.perf_counter()
            await one()
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies


async def login_throughput(count: int, concurrency: int) -> dict[str, float]:
    config = UsersSettings()
    passwords = PasswordHashing(
        time_cost=config.argon2_time_cost, memory_cost_kib=config.argon2_memory_kib, parallelism=1
    )
    with tempfile.TemporaryDirectory() as data_dir:
        app = build_app(Settings(data_dir=Path(data_dir)), passwords=passwords, users_settings=config)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://users") as client:
                body = {
                    "email": "bench@example.com",
                    "username": "bench",
                    "password": PASSWORD,
                    "country": "DE",
                }
                assert (await client.post("/api/v1/auth/register", json=body)).status_code == 201
                login = {"email": body["email"], "password": PASSWORD}

                async def one_login() -> None:
                    response = await client.post("/api/v1/auth/login", json=login)
                    assert response.status_code == 200, response.text

                encoded = await passwords.hash(PASSWORD)

                async def bare_verify() -> None:
                    assert await passwords.verify(encoded, PASSWORD)

                await _drive(concurrency, concurrency, one_login)  # warm up
                # Interleaved rounds, so the load other processes put on the machine hits both alike.
                elapsed = bare_elapsed = 0.0
                latencies: list[float] = []
                for _ in range(ROUNDS):
                    round_elapsed, round_latencies = await _drive(count // ROUNDS, concurrency, one_login)
                    elapsed += round_elapsed
                    latencies += round_latencies
                    bare_elapsed += (await _drive(count // ROUNDS, concurrency, bare_verify))[0]
        count = count // ROUNDS * ROUNDS
    return {
        "logins_per_s": count / elapsed,
        "p50_ms": _quantile(latencies, 0.5) * 1000,
        "p99_ms": _quantile(latencies, 0.99) * 1000,
        "bare_per_s": count / bare_elapsed,
    }


async def gateway_verification(requests: int = 400) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(data_dir=Path(data_dir), admin_password="bench-admin-password")
        platform = build_platform(settings)
        async with platform.router.lifespan_context(platform):
            transport = httpx.ASGITransport(app=platform)
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
                tokens = (
                    await client.post(
                        "/api/v1/auth/login",
                        json={"email": "admin@cinemesh.localhost", "password": "bench-admin-password"},
                    )
                ).json()
                auth = {"Authorization": f"Bearer {tokens['access_token']}"}

                async def timed(headers: dict[str, str]) -> list[float]:
                    samples = []
                    for _ in range(requests):
                        started = time.perf_counter()
                        response = await client.get("/healthz", headers=headers)
                        await client.get("/api/v1/titles", headers=headers)
                        samples.append(time.perf_counter() - started)
                        assert response.status_code == 200
                    return samples

                await timed(auth)  # warm up (JWKS fetched once)
                anonymous, signed = [], []
                for _ in range(3):  # interleaved, so machine noise hits both alike
                    anonymous += await timed({})
                    signed += await timed(auth)
            verifier = platform.state.service_apps["catalog"].state.token_verifier
            await verifier.verify(tokens["access_token"])
            started = time.perf_counter()
            for _ in range(2000):
                await verifier.verify(tokens["access_token"])
            verify_us = (time.perf_counter() - started) / 2000 * 1e6
    return {
        "anonymous_ms": statistics.median(anonymous) * 1000,
        "signed_ms": statistics.median(signed) * 1000,
        "verify_us": verify_us,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--logins", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    calibration = calibrate()
    config = UsersSettings()
    chosen = (config.argon2_time_cost, config.argon2_memory_kib)
    login = asyncio.run(login_throughput(args.logins, args.concurrency))
    gateway = asyncio.run(gateway_verification())

    lines = ["### argon2id cost per hash (median of 7)", "", "| t | memory | ms per hash |", "|---|---|---|"]
    for time_cost, memory_kib, ms in calibration:
        mark = " (default)" if (time_cost, memory_kib) == chosen else ""
        lines.append(f"| {time_cost} | {memory_kib // 1024} MiB | {ms:.1f}{mark} |")
    nearest = min(calibration, key=lambda row: abs(row[2] - 50))
    lines += [
        "",
        f"Nearest 50 ms in this run: t={nearest[0]}, {nearest[1] // 1024} MiB ({nearest[2]:.1f} ms).",
    ]
    ratio = login["logins_per_s"] / login["bare_per_s"]
    lines += [
        "",
        f"### Login, {args.logins} logins, {args.concurrency} concurrent, default argon2id",
        "",
        "| | per second | p50 ms | p99 ms |",
        "|---|---|---|---|",
        f"| `POST /api/v1/auth/login` | {login['logins_per_s']:.1f} | {login['p50_ms']:.1f} "
        f"| {login['p99_ms']:.1f} |",
        f"| baseline: bare argon2id verify | {login['bare_per_s']:.1f} | | |",
        "",
        f"Login throughput is **{ratio:.2f}x** the bare-hash ceiling: hashing is the cost, by design.",
        "",
        "### Token verification at the gateway (in-process platform, median per request pair)",
        "",
        "| | ms |",
        "|---|---|",
        f"| `/healthz` + `/api/v1/titles`, anonymous (baseline) | {gateway['anonymous_ms']:.2f} |",
        f"| the same with a bearer token | {gateway['signed_ms']:.2f} |",
        f"| `TokenVerifier.verify` alone (EdDSA, cached JWKS) | {gateway['verify_us'] / 1000:.3f} |",
        "",
        f"A signed request costs **{gateway['signed_ms'] / gateway['anonymous_ms']:.2f}x** an anonymous one.",
    ]
    markdown = "\n".join(lines)
    print(markdown)
    write_section("login", markdown)


if __name__ == "__main__":
    main()
