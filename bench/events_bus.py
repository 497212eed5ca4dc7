"""Event bus benchmark: the embedded SQLite log against the Kafka adapter (Tansu), same run.

    .venv/bin/python -m bench.events_bus

A producer publishes while one consumer (a consumer group of one) fetches and commits; every
event carries its send time, so end-to-end latency is publish call -> record in the consumer's
hands, committed offsets included. Writes its table into docs/benchmarks.md (`events_bus`).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.fixtures.kafka import tansu_broker

from bench._report import write_section
from cinemesh.platform.events.bus import EventBus
from cinemesh.platform.events.embedded import EmbeddedEventBus
from cinemesh.platform.events.envelope import Envelope
from cinemesh.platform.events.kafka import KafkaEventBus

BATCH_EVENTS = 20_000
BATCH_SIZE = 500
SINGLE_EVENTS = 2_000
CONCURRENCY = 100
REPEATS = 3
KEYS = 64
PAD = "x" * 300  # brings the serialised envelope to about 500 bytes


@dataclass
class Result:
    events: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return self.events / self.seconds

    def p(self, q: int) -> float:
        return statistics.quantiles(self.latencies_ms, n=100)[q - 1]


def make_event(seq: int) -> Envelope:
    return Envelope.new(
        type="bench.event.v1",
        source="cinemesh/bench",
        subject=f"aggregate-{seq % KEYS}",
        data={"seq": seq, "sent_ns": time.perf_counter_ns(), "pad": PAD},
    )


async def run(bus: EventBus, *, events: int, batch: int, concurrent: bool = False) -> Result:
    topic = f"bench.{uuid.uuid4().hex[:8]}"
    subscription = bus.subscribe(f"bench-{topic}", [topic])
    await bus.publish(topic, make_event(-1))  # creates the topic; the consumer joins and skips it
    await subscription.commit(await subscription.fetch(timeout=30))
    latencies: list[float] = []

    async def consume() -> None:
        while len(latencies) < events:
            records = await subscription.fetch(max_records=1000, timeout=5)
            now = time.perf_counter_ns()
            latencies.extend((now - r.envelope.data["sent_ns"]) / 1e6 for r in records)
            await subscription.commit(records)

    started = time.perf_counter()
    consumer = asyncio.create_task(consume())
    for start in range(0, events, batch):
        chunk = [(topic, make_event(seq)) for seq in range(start, min(start + batch, events))]
        if concurrent:  # many request handlers publishing one event each, at the same time
            await asyncio.gather(*(bus.publish(topic, envelope) for topic, envelope in chunk))
        elif batch == 1:
            await bus.publish(*chunk[0])
        else:
            await bus.publish_many(chunk)
    await asyncio.wait_for(consumer, timeout=300)
    seconds = time.perf_counter() - started
    await subscription.close()
    return Result(events, seconds, latencies)


async def median_run(bus: EventBus, **scenario: Any) -> Result:
    """The median-throughput run of REPEATS: one slow run on a shared machine should not decide."""
    results = sorted([await run(bus, **scenario) for _ in range(REPEATS)], key=lambda r: r.rate)
    return results[len(results) // 2]


async def measure(build: Callable[[], EventBus]) -> dict[str, Result]:
    bus = build()
    await bus.start()
    try:
        return {
            f"batch publish ({BATCH_SIZE}/call), {BATCH_EVENTS:,} events": await median_run(
                bus, events=BATCH_EVENTS, batch=BATCH_SIZE
            ),
            f"single publish (awaited each), {SINGLE_EVENTS:,} events": await median_run(
                bus, events=SINGLE_EVENTS, batch=1
            ),
            f"single publishes, {CONCURRENCY} in flight, {BATCH_EVENTS:,} events": await median_run(
                bus, events=BATCH_EVENTS, batch=CONCURRENCY, concurrent=True
            ),
        }
    finally:
        await bus.close()


def table(embedded: dict[str, Result], kafka: dict[str, Result], relaxed: dict[str, Result]) -> str:
    size = len(make_event(0).to_bytes())
    lines = [
        f"Publish -> consume through one consumer group, {size}-byte envelopes, {KEYS} keys; embedded "
        "is the SQLite log (WAL, synchronous=FULL), Kafka is the aiokafka adapter against Tansu "
        "(memory storage, acks=all) on the same machine. Latency is publish call to record fetched. "
        f"Load average when the run ended: {os.getloadavg()[0]:.1f} (figures are noisy on a busy machine).",
        "",
        f"Each figure is the median-throughput run of {REPEATS}.",
        "",
        "| scenario | adapter | events/s | p50 ms | p99 ms "
        "| embedded / Kafka events/s | Kafka p99 / embedded p99 |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for scenario, emb in embedded.items():
        kaf = kafka[scenario]
        lines.append(
            f"| {scenario} | embedded | {emb.rate:,.0f} | {emb.p(50):.1f} | {emb.p(99):.1f} "
            f"| **{emb.rate / kaf.rate:.2f}x** | **{kaf.p(99) / emb.p(99):.2f}x** |"
        )
        lines.append(f"| | Kafka (Tansu) | {kaf.rate:,.0f} | {kaf.p(50):.1f} | {kaf.p(99):.1f} | | |")
        rel = relaxed[scenario]
        lines.append(
            f"| | embedded, synchronous=NORMAL | {rel.rate:,.0f} | {rel.p(50):.1f} | {rel.p(99):.1f} "
            f"| {rel.rate / kaf.rate:.2f}x | {kaf.p(99) / rel.p(99):.2f}x |"
        )
    return "\n".join(lines)


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        embedded = asyncio.run(measure(lambda: EmbeddedEventBus(Path(directory) / "events.db")))
        # No fsync per commit: survives a killed process, not a power cut (see docs/events.md).
        relaxed = asyncio.run(
            measure(lambda: EmbeddedEventBus(Path(directory) / "relaxed.db", synchronous="NORMAL"))
        )
    with tansu_broker() as bootstrap:
        kafka = asyncio.run(measure(lambda: KafkaEventBus(bootstrap, num_partitions=6)))
    markdown = table(embedded, kafka, relaxed)
    print(markdown)
    write_section("events_bus", markdown)


if __name__ == "__main__":
    main()
