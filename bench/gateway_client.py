"""The gateway's HTTP client alone: CPU per request of httpx's AsyncClient (what `HttpUpstream`
uses) and of aiohttp's ClientSession against a minimal keep-alive server on loopback, at 8 and
64 requests in flight (client and server in this one process; the load average beside each).

    .venv/bin/python -m bench.gateway_client [--requests 3000]

Why: through `cinemesh serve gateway` the CPU per request triples from 8 to 64 clients
(docs/gateway.md, "Measured"); this isolates the client's share of that growth.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable

import aiohttp
import httpx
from tests.integration.gateway.test_replicas import Replica

from bench._proc import load_average


async def _httpx(url: str) -> tuple[Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]:
    client = httpx.AsyncClient(limits=httpx.Limits(max_connections=256, max_keepalive_connections=256))

    async def one() -> None:
        response = await client.send(client.build_request("GET", url), stream=True)
        async for _ in response.aiter_raw():
            pass
        await response.aclose()

    return one, client.aclose


async def _aiohttp(url: str) -> tuple[Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]:
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256))

    async def one() -> None:
        async with session.get(url) as response:
            async for _ in response.content.iter_any():
                pass

    return one, session.close


async def measure(kind: str, in_flight: int, requests: int) -> tuple[float, str]:
    """(CPU ms per request, load average)."""
    server = Replica("bench")
    await server.start()
    one, close = await (_httpx if kind == "httpx" else _aiohttp)(server.url + "/titles")
    slots = asyncio.Semaphore(in_flight)

    async def guarded() -> None:
        async with slots:
            await one()

    await asyncio.gather(*(guarded() for _ in range(200)))  # warm up: connections
    started = time.process_time()
    await asyncio.gather(*(guarded() for _ in range(requests)))
    cpu = time.process_time() - started
    await close()
    await server.kill()
    return cpu / requests * 1000, load_average()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    arguments = parser.parse_args()
    for kind in ("httpx", "aiohttp"):
        for in_flight in (8, 64):
            cpu, load = await measure(kind, in_flight, arguments.requests)
            print(f"{kind:8} {in_flight:3} in flight: {cpu:.3f} ms CPU per request (load {load})", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
